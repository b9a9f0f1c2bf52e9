"""Issue #13, Medium 2: no 個人番号, name or birth date typed by a clerk reaches any log line of ``serve``."""

from __future__ import annotations

import time
import urllib.parse

from .conftest import Browser

NUMBER = "100000000013"
NAME = "架空山寅之助"
BIRTH = "1951-07-23"
KANA = "カクウヤマトラノスケ"


def test_search_terms_names_and_numbers_stay_out_of_every_log(served):
    clerk = Browser(served.url)
    clerk.login("madoguchi", "madoguchi-demo")
    query = urllib.parse.urlencode({"q": NUMBER, "name": NAME, "kana": KANA, "birth": BIRTH})
    status, page = clerk.get(f"/registry/?{query}", headers={"Referer": f"{served.url}/registry/?{query}"})
    assert status == 200
    # A number typed into a path (a 404 Django logs as a warning) and a referer with the terms.
    status, _ = clerk.get(f"/registry/residents/{NUMBER}/nothing", headers={"Referer": f"/x?q={NUMBER}"})
    assert status == 404
    # Signed out: the login redirect carries the query along in ?next=.
    Browser(served.url).get(f"/registry/?{query}")
    time.sleep(0.5)  # gunicorn writes the access line after the answer
    logs = served.log_text()
    assert "/registry/?[masked]" in logs, logs[-2000:]  # the requests were logged, without their terms
    for secret in (NUMBER, NAME, BIRTH, KANA, urllib.parse.quote(NAME), urllib.parse.quote(KANA)):
        assert secret not in logs, f"{secret} is in the server's logs"
