"""The resident registry (自治体保有データ): pure core, no Django.

- :mod:`.records` — the 住民記録 standard's items and :class:`ResidentRecord`; :func:`search_key`
- :mod:`.dates` — 和暦, non-calendar and 不詳 dates (:class:`RegistryDate`)
- :mod:`.mapping`, :mod:`.csv_import` — per-vendor CSV import, all-or-nothing with every bad row reported
- :mod:`.sources` — registry sources as plug-ins (``csv`` now)
- :mod:`.generator` — fictional residents of 架空県みどり市
- :mod:`.facts` — registry records → the catalog's facts
- :mod:`.kana` — kana suggestions and 郵便番号 → 住所 (suggestions only)
- :mod:`.crypto` — AES-GCM encryption at rest with key rotation
"""

from .csv_import import ImportFailed, ImportReport, RowError, iter_records, parse_csv
from .dates import RegistryDate, RegistryDateError, parse_registry_date
from .mapping import Mapping, MappingError, load_mapping
from .records import ResidentRecord, search_key

__all__ = [
    "ImportFailed",
    "ImportReport",
    "Mapping",
    "MappingError",
    "RegistryDate",
    "RegistryDateError",
    "ResidentRecord",
    "RowError",
    "iter_records",
    "load_mapping",
    "parse_csv",
    "parse_registry_date",
    "search_key",
]
