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
from collections.abc import Sequence
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


# How precisely an amount of US dollars is written, the same in every language (the pack only
# chooses the unit and the pattern): (from this many billions, to the nearest this many billions).
# $1,774.684 bn reads $1.8 trillion and 1.8万亿美元; $423.04 bn $423 billion and 4,230亿美元;
# $9.46 bn $9.5 billion and 95亿美元.
USD_PRECISION = ((Decimal(1000), Decimal(100)), (Decimal(10), Decimal(1)), (Decimal(0), Decimal("0.1")))
MAX_EXTRA_PLACES = 3  # amounts shown together are never written more than three places finer than alone


def _decimal(value: float | str | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot format a non-finite number: {value!r}")
    return Decimal(repr(float(value))) if isinstance(value, float | int) else Decimal(value)


def _to_step(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded half-up to a multiple of ``step``."""
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def usd_step(value_bn: float) -> Decimal:
    """The default rounding step (in billions) of an amount, by ``USD_PRECISION``; an amount that
    rounds up into a coarser band takes that band's step (999.96 -> 1,000 -> to the nearest 100)."""
    v = abs(_decimal(value_bn))
    step = next(s for lower, s in USD_PRECISION if v >= lower)
    coarser = next(s for lower, s in USD_PRECISION if _to_step(v, step) >= lower)
    return max(step, coarser)


def _tier(loc: Locale, rounded_bn: Decimal) -> Any:
    """The pack's unit for an amount already rounded: the first tier whose ``at_least`` it reaches."""
    tiers: Any = loc.get("numbers.usd_bn")
    return next((t for t in tiers if abs(rounded_bn) >= _decimal(str(t["at_least"]))), tiers[-1])


def usd_bn(
    value_bn: float, loc: Locale, digits: int | None = None, *, sign: bool = False, step: float | str | Decimal | None = None
) -> str:
    """An amount given in billions of US dollars, rounded by one rule for every language and
    written in the reader's unit (the pack's ``numbers.usd_bn`` tiers: ``at_least``, ``per_bn``,
    ``pattern``).

    The amount is rounded to ``step`` billions, by default ``usd_step(value_bn)``
    (``USD_PRECISION``); ``digits`` asks for that many decimals in the first (largest) unit, when
    the amount is written in it. The unit is chosen after rounding, so 999.96 bn reads
    ``1.0万亿美元`` / ``$1.0 trillion``; as many decimals are shown as the step needs in that unit.
    """
    v = _decimal(value_bn)
    chosen = _decimal(step) if step is not None else usd_step(value_bn)
    first: Any = loc.get("numbers.usd_bn")[0]
    if digits is not None and step is None:
        wanted = Decimal(1).scaleb(-digits) / _decimal(str(first["per_bn"]))
        if abs(_to_step(v, wanted)) >= _decimal(str(first["at_least"])):
            chosen = wanted
    rounded = _to_step(v, chosen)
    if rounded == 0:
        return str(loc.get("numbers.usd_zero"))  # nothing (or less than the step): "$0" / "0美元", never "$0.0 billion"
    tier = _tier(loc, rounded)
    per_bn = _decimal(str(tier["per_bn"]))
    places = max(0, -(chosen * per_bn).normalize().as_tuple().exponent)  # type: ignore[operator]
    shown = (rounded * per_bn).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return _sign(shown, sign, loc) + str(tier["pattern"]).format(n=_grouped(abs(shown), places, loc))


def _reads_apart(amounts: Sequence[Decimal], extra: int) -> bool:
    """Whether amounts that differ still differ rounded to their default step, ``extra`` places finer."""
    shown: dict[Decimal, Decimal] = {}
    for v in amounts:
        r = _to_step(v, usd_step(float(v)).scaleb(-extra))
        if shown.setdefault(r, v) != v:
            return False
    return True


def extra_places(groups: Sequence[Sequence[float]]) -> int:
    """The fewest places finer than the default (0, 1, 2 ...) at which, within each group, amounts
    that differ read differently."""
    amounts = [[_decimal(v) for v in group] for group in groups]
    return next((k for k in range(MAX_EXTRA_PLACES + 1) if all(_reads_apart(g, k) for g in amounts)), MAX_EXTRA_PLACES)


def significant_figures(value_bn: float | Decimal, step: Decimal) -> int:
    """How many significant figures ``value_bn`` shows rounded to ``step`` (a power of ten):
    983.6 at 1 -> 3 ($984 billion), 1,815.4 at 100 -> 2 ($1.8 trillion); 0 for nothing."""
    shown = _to_step(abs(_decimal(value_bn)), step)
    return 0 if shown == 0 else shown.adjusted() - step.adjusted() + 1


def step_for_figures(value_bn: float | Decimal, figures: int) -> Decimal:
    """The step (a power of ten, in billions) that writes ``value_bn`` with ``figures`` significant
    figures; an amount that rounds up into the next power of ten keeps ``figures`` there
    (999.6 to 3 figures reads $1.00 trillion, not $1.000 trillion)."""
    v = abs(_decimal(value_bn))
    if v == 0 or figures <= 0:
        return usd_step(float(v))
    step = Decimal(1).scaleb(v.adjusted() - figures + 1)
    return step.scaleb(1) if _to_step(v, step).adjusted() > v.adjusted() else step


def usd_grid(rows: Sequence[Sequence[float | None]]) -> list[list[Decimal | None]]:
    """Rounding steps for amounts shown together: one precision policy for all of them, raised only
    where amounts that differ would read the same.

    Every amount is written with the same number of significant figures, the most that any of
    them has at its default step (``usd_step``): FY2019's $984 billion beside $3.13 trillion, not
    $3.1 trillion, and never $983.6 billion. Then, within each row (what a reader compares: a
    holder now and a year earlier, a deficit from year to year), amounts that differ but still read
    the same are made finer, one place at a time, only those cells and only as far as needed (at
    most ``MAX_EXTRA_PLACES``): Japan's 1,126.1 and 1,125.8 bn read $1.1261 and $1.1258 trillion
    while China's 770.7 bn beside them stays $771 billion. An empty cell (None) stays None."""
    values = [[None if v is None else _decimal(v) for v in row] for row in rows]
    present = [v for row in values for v in row if v is not None and v != 0]
    figures = max((significant_figures(v, usd_step(float(v))) for v in present), default=0)
    steps: list[list[Decimal | None]] = [[None if v is None else step_for_figures(v, figures) for v in row] for row in values]
    for i, row in enumerate(values):
        for _ in range(MAX_EXTRA_PLACES):
            shown: dict[Decimal, set[Decimal]] = {}
            for v, st in zip(row, steps[i]):
                if v is not None and st is not None:
                    shown.setdefault(_to_step(v, st), set()).add(v)
            clashing = {v for group in shown.values() if len(group) > 1 for v in group}
            if not clashing:
                break
            steps[i] = [st if v not in clashing or st is None else st.scaleb(-1) for v, st in zip(row, steps[i])]
    return steps


def usd_steps(values: Sequence[float]) -> list[Decimal]:
    """Rounding steps for amounts shown together in one row (the two sides of a stated change, the
    deficit table's years), by ``usd_grid``: so FY2024's 1,815.4 and FY2025's 1,774.7 bn read
    $1.82 and $1.77 trillion, not $1.8 twice."""
    return [s for s in usd_grid([values])[0] if s is not None]


def usd_each(values: Sequence[float], loc: Locale, *, sign: bool = False) -> list[str]:
    """``values`` written with ``usd_bn`` at the steps of ``usd_steps``: amounts that differ read differently."""
    return [usd_bn(v, loc, sign=sign, step=s) for v, s in zip(values, usd_steps(values))]


def distinct_digits(values: Sequence[float], digits: int = 0, most: int = 4) -> int:
    """The fewest decimals, from ``digits``, at which values that differ read differently (a
    chart's bar labels: FY2024's 1.815 and FY2025's 1.775 trillion read 1.82 and 1.77)."""
    for d in range(digits, most + 1):
        shown: dict[Decimal, float] = {}
        if all(shown.setdefault(_rounded(v, d), v) == v for v in values):
            return d
    return most


def usd_table(rows: Sequence[Sequence[float | None]], loc: Locale, *, sign: bool = False) -> list[list[str | None]]:
    """A table's amounts at the steps of ``usd_grid`` (one significant-figure policy for the table;
    finer only for the cells of a row that would otherwise read the same); None stays None."""
    steps = usd_grid(rows)
    return [
        [None if v is None or st is None else usd_bn(v, loc, sign=sign, step=st) for v, st in zip(row, srow)]
        for row, srow in zip(rows, steps)
    ]


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


def at_frequency(iso: str, frequency: str, loc: Locale, *, short: bool = False) -> str:
    """A period-end date (``YYYY-MM-DD``) written at its observation's frequency: a quarter
    (``Q1 2026``), a fiscal year ending September 30 (``FY2025``), a month or a day; ``short``: the
    chart labels' short month and day."""
    year, mon = _ymd(iso, 3)[:2]
    if frequency == "quarter":
        return quarter(f"{year}Q{(mon - 1) // 3 + 1}", loc)
    if frequency == "fiscal_year":
        return fiscal_year(year + (1 if mon >= 10 else 0), loc)
    if frequency == "month":
        return (month_short if short else month)(iso[:7], loc)
    return (day_short if short else day)(iso, loc)


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
