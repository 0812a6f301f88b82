"""Numbers and dates written for the reader: Simplified Chinese (``zh``) or English (``en``).

Pure functions, no I/O and no dependence on the machine's locale: every separator, unit
and month name is spelled out here. Rounding is half-up on the decimal value as written
(122.65 -> 122.7), which is what a reader checking a number by hand expects.

    >>> usd_bn(1774.684, "zh"), usd_bn(423.0, "zh"), usd_bn(1774.684, "en"), usd_bn(423.0, "en")
    ('1.8万亿美元', '4,230亿美元', '$1.8 trillion', '$423 billion')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

LANGS = ("zh", "en")
MINUS = "\u2212"  # a true minus sign, as typeset notes print negatives

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _check_lang(lang: str) -> None:
    """Raise ValueError for a language the brief is not written in."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")


def _rounded(value: float, digits: int) -> Decimal:
    """``value`` rounded half-up to ``digits`` decimals, from its shortest decimal repr."""
    if not math.isfinite(value):
        raise ValueError(f"cannot format a non-finite number: {value!r}")
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def _sign(rounded: Decimal, sign: bool) -> str:
    """The sign to print before a magnitude: '-' for negatives, '+' when asked, never '-0'."""
    if rounded < 0:
        return MINUS
    if sign and rounded > 0:
        return "+"
    return ""


def _grouped(magnitude: Decimal, digits: int) -> str:
    """A non-negative Decimal with comma thousands separators and ``digits`` decimals."""
    return f"{magnitude:,.{digits}f}"


def number(value: float, lang: str, digits: int = 0, *, sign: bool = False) -> str:
    """``1,234.5``: thousands separators (the same in both languages), half-up rounding."""
    _check_lang(lang)
    r = _rounded(value, digits)
    return _sign(r, sign) + _grouped(abs(r), digits)


def pct(value: float, lang: str, digits: int = 1, *, sign: bool = False) -> str:
    """A percentage: ``122.6%`` in both languages (``+0.4%`` with ``sign=True``)."""
    return number(value, lang, digits, sign=sign) + "%"


def bp(value: float, lang: str, digits: int = 0, *, sign: bool = False) -> str:
    """Basis points: ``12个基点`` / ``12 bp`` (``+12 bp`` with ``sign=True``)."""
    text = number(value, lang, digits, sign=sign)
    return f"{text}个基点" if lang == "zh" else f"{text} bp"


def usd_bn(value_bn: float, lang: str, digits: int | None = None, *, sign: bool = False) -> str:
    """An amount given in billions of US dollars, in the reader's units.

    zh: ``1.8万亿美元`` from 1,000 bn up (``digits`` decimals of 万亿, default 1), else
    ``4,230亿美元`` (whole 亿; 1 bn = 10亿). en: ``$1.8 trillion`` from 1,000 bn up, else
    ``$423 billion`` (whole billions; one decimal below 10 bn). The switch to trillions is
    made after rounding, so 999.96 bn reads ``1.0万亿美元`` / ``$1.0 trillion``.
    """
    _check_lang(lang)
    tn_digits = 1 if digits is None else digits
    if lang == "zh":
        yi = _rounded(value_bn * 10, 0)
        if abs(yi) < 10_000:
            return f"{_sign(yi, sign)}{_grouped(abs(yi), 0)}亿美元"
        tn = _rounded(value_bn / 1000, tn_digits)
        return f"{_sign(tn, sign)}{_grouped(abs(tn), tn_digits)}万亿美元"
    bn = _rounded(value_bn, 0)
    if abs(bn) >= 1000:
        tn = _rounded(value_bn / 1000, tn_digits)
        return f"{_sign(tn, sign)}${_grouped(abs(tn), tn_digits)} trillion"
    small = _rounded(value_bn, 1)
    if abs(small) < 10:
        return f"{_sign(small, sign)}${_grouped(abs(small), 1)} billion"
    return f"{_sign(bn, sign)}${_grouped(abs(bn), 0)} billion"


def _ymd(text: str, parts: int) -> tuple[int, ...]:
    """Split an ISO ``YYYY-MM`` or ``YYYY-MM-DD`` string into checked integers."""
    pieces = text.split("-")
    if len(pieces) != parts or not all(p.isdigit() for p in pieces):
        raise ValueError(f"expected an ISO date with {parts} parts, got {text!r}")
    values = tuple(int(p) for p in pieces)
    if not 1 <= values[1] <= 12 or (parts == 3 and not 1 <= values[2] <= 31):
        raise ValueError(f"not a valid date: {text!r}")
    return values


def month(ym: str, lang: str) -> str:
    """``2025-12`` -> ``2025年12月`` / ``December 2025``."""
    _check_lang(lang)
    year, mon = _ymd(ym, 2)
    return f"{year}年{mon}月" if lang == "zh" else f"{_MONTHS_EN[mon - 1]} {year}"


def month_short(ym: str, lang: str) -> str:
    """``2025-12`` -> ``2025年12月`` / ``Dec 2025`` (for tight spaces such as chart labels)."""
    _check_lang(lang)
    year, mon = _ymd(ym, 2)
    return f"{year}年{mon}月" if lang == "zh" else f"{_MONTHS_EN[mon - 1][:3]} {year}"


def day(iso: str, lang: str) -> str:
    """``2025-12-31`` -> ``2025年12月31日`` / ``December 31, 2025``."""
    _check_lang(lang)
    year, mon, dd = _ymd(iso, 3)
    return f"{year}年{mon}月{dd}日" if lang == "zh" else f"{_MONTHS_EN[mon - 1]} {dd}, {year}"


def day_short(iso: str, lang: str) -> str:
    """``2025-12-31`` -> ``2025年12月31日`` / ``Dec 31, 2025`` (for chart annotations)."""
    _check_lang(lang)
    year, mon, dd = _ymd(iso, 3)
    return f"{year}年{mon}月{dd}日" if lang == "zh" else f"{_MONTHS_EN[mon - 1][:3]} {dd}, {year}"


def date(text: str, lang: str) -> str:
    """A day (``YYYY-MM-DD``) or a month (``YYYY-MM``), whichever ``text`` is."""
    return day(text, lang) if text.count("-") == 2 else month(text, lang)


def year(value: str | int, lang: str) -> str:
    """A calendar year: ``2025年`` / ``2025``."""
    _check_lang(lang)
    return f"{int(value)}年" if lang == "zh" else f"{int(value)}"


def fiscal_year(fy: str | int, lang: str) -> str:
    """A U.S. federal fiscal year: ``2025财年`` / ``FY2025``."""
    _check_lang(lang)
    return f"{int(fy)}财年" if lang == "zh" else f"FY{int(fy)}"
