"""個人番号 (My Number): check digit and masking."""

from __future__ import annotations


def check_digit(first11: str) -> int:
    """Check digit per 番号法施行規則: weights 2..7,2..6 from the right, 11 - (sum mod 11), 0 if r <= 1."""
    if len(first11) != 11 or not first11.isascii() or not first11.isdigit():
        raise ValueError("need 11 ASCII digits")
    total = 0
    for n, ch in enumerate(reversed(first11), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(ch) * weight
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_valid(number: str) -> bool:
    return (
        len(number) == 12
        and number.isascii()
        and number.isdigit()
        and check_digit(number[:11]) == int(number[11])
    )


def with_check_digit(first11: str) -> str:
    return first11 + str(check_digit(first11))


def mask(number: str) -> str:
    """Show only the last 4 digits."""
    return "*" * 8 + number[-4:]


class MyNumber:
    """A validated 個人番号 whose repr/str never shows the full number (safe to log by accident)."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        if not is_valid(value):
            raise ValueError("not a valid 個人番号")
        self._value = value

    def reveal(self) -> str:
        return self._value

    @property
    def masked(self) -> str:
        return mask(self._value)

    def __repr__(self) -> str:
        return f"MyNumber({self.masked})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MyNumber) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
