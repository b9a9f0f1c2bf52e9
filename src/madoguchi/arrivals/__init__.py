"""引越しワンストップ arrivals: 来庁予定 records (a household's planned visit to file its 転入 or 転居) read from
the file a municipality downloads, each becoming a case prepared before the household arrives.

Pure Python. :func:`parse_arrivals` reads CSV or JSON (UTF-8 or Shift_JIS) in the documented default layout
(docs/arrivals.md) or a municipality's own column names; every problem is collected with where it is, and a
file with any problem gives no records (nothing half-imported).
"""

from .records import Arrival, ArrivalError, ArrivalsFailed, parse_arrivals
from .sources import ARRIVALS

__all__ = ["ARRIVALS", "Arrival", "ArrivalError", "ArrivalsFailed", "parse_arrivals"]
