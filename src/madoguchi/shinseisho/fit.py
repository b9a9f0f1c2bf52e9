"""Fit a value into a field box: shrink to the minimum size, then wrap within the line limit.

Text is never cut: the lines always join back to the exact input. If nothing fits, :class:`FitError`.
``width(cluster)`` gives the advance of one character cluster at size 1 (a base character plus any
variation selector), so the fitting can be tested without fonts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LEADING = 1.15
NO_LINE_START = set("、。，．,.）)」』】〕］]ー－ゃゅょっぁぃぅぇぉャュョッァィゥェォ・：；:;！？!?")
SPACES = (" ", "\u3000")


class FitError(ValueError):
    pass


@dataclass(frozen=True)
class Fit:
    size: float
    lines: tuple[str, ...]


def clusters(text: str) -> list[str]:
    """Characters with their variation selectors attached (a selector is never split from its base)."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if out and (0xE0100 <= code <= 0xE01EF or 0xFE00 <= code <= 0xFE0F):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def wrap(text: str, width: Callable[[str], float], size: float, box_w: float) -> list[str]:
    """Break ``text`` into lines no wider than ``box_w`` at ``size`` (explicit newlines are kept)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        parts = clusters(paragraph)
        if not parts:
            lines.append("")
            continue
        start = 0
        while start < len(parts):
            used = 0.0
            end = start
            while end < len(parts) and used + width(parts[end]) * size <= box_w + 1e-6:
                used += width(parts[end]) * size
                end += 1
            if end == start:
                raise FitError(f"the character {parts[start]!r} alone is wider than the box")
            if end < len(parts):
                # Prefer a break after a space in the second half of the line; keep 、。 off a line start.
                spaces = [i for i in range(start + 1, end) if parts[i - 1] in SPACES]
                if spaces and spaces[-1] - start >= (end - start) // 2:
                    end = spaces[-1]
                elif parts[end] in NO_LINE_START and end - 1 > start:
                    end -= 1
            lines.append("".join(parts[start:end]))
            start = end
    return lines


def fit_text(
    text: str,
    width: Callable[[str], float],
    box_w: float,
    box_h: float,
    size: float,
    min_size: float,
    max_lines: int = 1,
    step: float = 0.5,
) -> Fit:
    """The largest size (≥ ``min_size``) at which ``text`` fits; one line is preferred over wrapping."""
    sizes = []
    k = 0
    while size - k * step >= min_size - 1e-9:
        sizes.append(max(size - k * step, min_size))  # never a hair below the minimum (float steps)
        k += 1
    if not sizes or sizes[-1] > min_size:
        sizes.append(min_size)
    natural = sum(width(c) for c in clusters(text.replace("\n", "")))
    if "\n" not in text:
        for s in sizes:
            if natural * s <= box_w + 1e-6 and s <= box_h + 1e-6:
                return Fit(s, (text,))
    if max_lines > 1:
        for s in sizes:
            try:
                lines = wrap(text, width, s, box_w)
            except FitError:
                continue
            if len(lines) <= max_lines and s + (len(lines) - 1) * s * LEADING <= box_h + 1e-6:
                return Fit(s, tuple(lines))
    raise FitError(
        f"{len(text)} characters do not fit in {box_w / 2.8346:.0f}×{box_h / 2.8346:.0f} mm "
        f"at {min_size} pt in {max_lines} line(s)"
    )
