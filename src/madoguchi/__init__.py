"""madoguchi — 書かない・回らない窓口.

The packages catalog, rules, guide, card, registry, forms, routing and delivery form the pure domain core:
they import no Django. ``madoguchi.web`` is the Django shell around them.
"""

__version__ = "0.1.0"
