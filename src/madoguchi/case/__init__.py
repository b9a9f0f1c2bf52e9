"""The case and its people (pure Python): one :class:`Person`, one :class:`CaseSnapshot`, one vocabulary.

Source mappings (card, registry, staff input → Person) are in :mod:`madoguchi.case.sources`, kept out of
this package's import so the card and registry packages can use the vocabulary without a cycle.
"""

from madoguchi.case.person import SOURCES, Person
from madoguchi.case.snapshot import CaseSnapshot, Party
from madoguchi.case.vocab import SEX_LABELS, Sex, parse_sex, parse_zokugara, sex_label

__all__ = [
    "SEX_LABELS",
    "SOURCES",
    "CaseSnapshot",
    "Party",
    "Person",
    "Sex",
    "parse_sex",
    "parse_zokugara",
    "sex_label",
]
