"""The hand-off QR code as an SVG data URI (the Content-Security-Policy allows ``img-src data:``)."""

from __future__ import annotations

import segno


def svg_data_uri(payload: str) -> str:
    qr = segno.make(payload, error="m", micro=False)
    return qr.svg_data_uri(scale=6, border=4, dark="#000", light="#fff")
