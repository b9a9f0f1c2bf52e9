"""gunicorn's logger for ``madoguchi serve``: no query string and no 個人番号 in any line it writes.

The access log keeps the method, the path and the protocol of each request but never its query string
(registry search terms, names and birth dates travel there) nor the referring page's; and every gunicorn
handler, error log included, carries the masking filter that Django's handlers carry (madoguchi.privacy).
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from madoguchi.privacy import QUERY_MASK, MaskIndividualNumbersFilter, mask_log_text


def _without_query(uri: str) -> str:
    path, sep, _ = (uri or "").partition("?")
    return path + QUERY_MASK if sep else path


class MaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskIndividualNumbersFilter) for f in handler.filters):
                    handler.addFilter(MaskIndividualNumbersFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        uri = _without_query(environ.get("RAW_URI", ""))
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {mask_log_text(uri)} {environ.get('SERVER_PROTOCOL')}"
        atoms["U"] = mask_log_text(atoms.get("U") or "")
        atoms["q"] = "-"
        referer = environ.get("HTTP_REFERER")
        atoms["f"] = mask_log_text(_without_query(referer)) if referer else "-"
        for key in ("{referer}i", "{query_string}e", "{raw_uri}e", "{request_uri}e"):
            atoms.pop(key, None)
        return atoms
