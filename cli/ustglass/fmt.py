"""Numbers and dates written for the reader, by the rules of a language pack.

Pure functions, no I/O and no dependence on the machine's locale: every separator, unit,
pattern and month name comes from the :class:`~ustglass.locale.Locale` passed in. Rounding
is half-up on the decimal value as written (122.65 -> 122.7), which is what a reader
checking a number by hand expects.

With the shipped Chinese and English packs, ``usd_bn(1774.684, loc)`` reads ``1.8万亿美元`` /
``$1.8 trillion`` and ``usd_bn(423.0, loc)`` ``4,230亿美元`` / ``$423 billion``; the examples
below give the same two packs' readings.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ustglass.locale import Locale


def _rounded(value: float, digits: int) -> Decimal:
    """``value`` rounded half-up to ``digits`` decimals, from its shortest decimal repr."""
    if not math.isfinite(value):
        raise ValueError(f"cannot format a non-finite number: {value!r}")
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def _sign(rounded: Decimal, sign: bool, loc: Locale) -> str:
    """The sign to print before a magnitude: the pack's minus for negatives, '+' when asked, never '-0'."""
    if rounded < 0:
        return str(loc.get("numbers.minus"))
    if sign and rounded > 0:
        return "+"
    return ""


def _grouped(magnitude: Decimal, digits: int, loc: Locale) -> str:
    """A non-negative Decimal with the pack's group separator and decimal mark."""
    text = f"{magnitude:,.{digits}f}"
    group, mark = str(loc.get("numbers.group")), str(loc.get("numbers.decimal"))
    return text.replace(",", "\x00").replace(".", mark).replace("\x00", group)


def number(value: float, loc: Locale, digits: int = 0, *, sign: bool = False) -> str:
    """``1,234.5``: grouped thousands, half-up rounding."""
    r = _rounded(value, digits)
    return _sign(r, sign, loc) + _grouped(abs(r), digits, loc)


def pct(value: float, loc: Locale, digits: int = 1, *, sign: bool = False) -> str:
    """A percentage: ``122.6%`` (``+0.4%`` with ``sign=True``)."""
    return str(loc.get("numbers.percent")).format(n=number(value, loc, digits, sign=sign))


def bp(value: float, loc: Locale, digits: int = 0, *, sign: bool = False) -> str:
    """Basis points: ``12个基点`` / ``12 bp`` (``+12 bp`` with ``sign=True``)."""
    return str(loc.get("numbers.bp")).format(n=number(value, loc, digits, sign=sign))


def usd_bn(value_bn: float, loc: Locale, digits: int | None = None, *, sign: bool = False) -> str:
    """An amount given in billions of US dollars, in the reader's units (the pack's tiers).

    The first tier of ``numbers.usd_bn`` whose check passes is used; ``digits`` overrides the
    decimals of the first (largest) tier only. The check is made after rounding, so
    999.96 bn reads ``1.0万亿美元`` / ``$1.0 trillion``.
    """
    tiers: Any = loc.get("numbers.usd_bn")
    for i, tier in enumerate(tiers):
        check = _rounded(abs(value_bn) * tier["check_per_bn"], tier["check_digits"])
        if check >= Decimal(repr(float(tier["at_least"]))) or i == len(tiers) - 1:
            places = digits if (digits is not None and i == 0) else int(tier["digits"])
            shown = _rounded(value_bn * tier["per_bn"], places)
            return _sign(shown, sign, loc) + str(tier["pattern"]).format(n=_grouped(abs(shown), places, loc))
    raise ValueError(f"{loc.root}: numbers.usd_bn has no tiers")  # pragma: no cover - a pack without tiers


def _ymd(text: str, parts: int) -> tuple[int, ...]:
    """Split an ISO ``YYYY-MM`` or ``YYYY-MM-DD`` string into checked integers."""
    pieces = text.split("-")
    if len(pieces) != parts or not all(p.isdigit() for p in pieces):
        raise ValueError(f"expected an ISO date with {parts} parts, got {text!r}")
    values = tuple(int(p) for p in pieces)
    if not 1 <= values[1] <= 12 or (parts == 3 and not 1 <= values[2] <= 31):
        raise ValueError(f"not a valid date: {text!r}")
    return values


def _date_fields(loc: Locale, year: int, mon: int = 1, dd: int = 1, quarter: int = 1) -> dict[str, Any]:
    return {"year": year, "month": mon, "day": dd, "quarter": quarter,
            "month_name": loc.get("dates.month_names")[mon - 1], "month_abbr": loc.get("dates.month_abbr")[mon - 1],
            "quarter_name": loc.get("dates.quarter_names")[quarter - 1]}  # fmt: skip


def _pattern(loc: Locale, name: str, **fields: Any) -> str:
    return str(loc.get(f"dates.{name}")).format(**_date_fields(loc, **fields))


def month(ym: str, loc: Locale) -> str:
    """``2025-12`` -> ``2025年12月`` / ``December 2025``."""
    year, mon = _ymd(ym, 2)
    return _pattern(loc, "month", year=year, mon=mon)


def month_short(ym: str, loc: Locale) -> str:
    """``2025-12`` -> ``2025年12月`` / ``Dec 2025`` (for tight spaces such as chart labels)."""
    year, mon = _ymd(ym, 2)
    return _pattern(loc, "month_short", year=year, mon=mon)


def day(iso: str, loc: Locale) -> str:
    """``2025-12-31`` -> ``2025年12月31日`` / ``December 31, 2025``."""
    year, mon, dd = _ymd(iso, 3)
    return _pattern(loc, "day", year=year, mon=mon, dd=dd)


def day_short(iso: str, loc: Locale) -> str:
    """``2025-12-31`` -> ``2025年12月31日`` / ``Dec 31, 2025`` (for chart annotations)."""
    year, mon, dd = _ymd(iso, 3)
    return _pattern(loc, "day_short", year=year, mon=mon, dd=dd)


def date(text: str, loc: Locale) -> str:
    """A day (``YYYY-MM-DD``) or a month (``YYYY-MM``), whichever ``text`` is."""
    return day(text, loc) if text.count("-") == 2 else month(text, loc)


def year(value: str | int, loc: Locale) -> str:
    """A calendar year: ``2025年`` / ``2025``."""
    return _pattern(loc, "year", year=int(value))


def fiscal_year(fy: str | int, loc: Locale) -> str:
    """A U.S. federal fiscal year: ``2025财年`` / ``FY2025``."""
    return _pattern(loc, "fiscal_year", year=int(fy))


def quarter(text: str, loc: Locale) -> str:
    """``2026Q1`` -> ``2026年第一季度`` / ``Q1 2026``."""
    y, _, q = text.partition("Q")
    if not (y.isdigit() and q.isdigit() and 1 <= int(q) <= 4):
        raise ValueError(f"expected a quarter like 2026Q1, got {text!r}")
    return _pattern(loc, "quarter", year=int(y), quarter=int(q))


def period(text: str, loc: Locale) -> str:
    """Any period the key figures use: ``2026Q1``, ``2025``, ``2025-12`` or ``2025-12-31``."""
    if "Q" in text:
        return quarter(text, loc)
    if text.isdigit():
        return year(text, loc)
    return date(text, loc)


def ordinal(n: int, loc: Locale) -> str:
    """``7`` -> ``第7`` / ``7th``."""
    rule: Any = loc.get("ordinal")
    lo, hi = rule["teens"]
    suffix = rule["default"] if lo <= n % 100 <= hi else rule["by_last_digit"].get(str(n % 10), rule["default"])
    return str(rule["pattern"]).format(n=n, suffix=suffix)


# ---------------------------------------------------------------- Markdown
# Backslash-escaped: characters that open markup anywhere (an underscore only at a word's edge,
# where it can open emphasis; an ampersand only where it would start an entity).
_MD_SPECIAL = re.compile(r"[\\`*{}\[\]<>|~#]|(?<!\w)_|_(?!\w)|&(?=#?\w+;)")


class MdText(str):
    """Text that is already Markdown (the pack's words, formatted numbers), printed as it is."""


def md_escape(text: str) -> str:
    """A data string written for Markdown: every character that could open markup backslash-escaped
    (CommonMark), so it reads as the text it is (``Belg | 999`` cannot shift a table)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
