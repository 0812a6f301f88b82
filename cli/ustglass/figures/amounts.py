"""Numbers of the analysis sections written for the reader: a scorecard indicator's value in its
own unit, a scenario's rates, multiples and shares. Used by the scorecard and scenario-grid
figures and by the brief's tables (:mod:`ustglass.analysis`), so both write a number alike.

Every word and unit comes from the language pack (``[numbers]``, ``[scorecard.units]``,
``brief.scenarios.multiple``); the only arithmetic is turning a fraction into a percentage.
"""

from __future__ import annotations

from ustglass import fmt
from ustglass.locale import Locale

USD_BN = "USD bn"  # the scorecard's unit for amounts, written by the pack's [numbers.usd_bn] tiers
NUMBER_RULES = {"%": fmt.pct, "bp": fmt.bp, "bp, annualised": fmt.bp}  # units the pack's [numbers] write
CHANGE_UNITS = {"%": "pp"}  # a change of a percentage is in percentage points


def change_unit(unit: str) -> str:
    """The unit a change of a value in ``unit`` is given in: percentage points for a percentage."""
    return CHANGE_UNITS.get(unit, unit)


def exact_digits(x: float, most: int = 3) -> int:
    """The fewest decimals (up to ``most``) that write ``x`` exactly: 0.25 -> 2, 10.0 -> 0."""
    return next((d for d in range(most + 1) if abs(round(x, d) - x) < 1e-9), most)


def indicator_value(value: float, unit: str, digits: int, loc: Locale, *, sign: bool = False) -> str:
    """A value in a scorecard unit: ``$1.25 trillion``, ``10.4 bp``, ``21.6%`` by the pack's number
    rules; a unit without one (``pp``, ``percentile``) by the pack's ``scorecard.units``."""
    if unit == USD_BN:
        return fmt.usd_bn(value, loc, 2, sign=sign)
    if unit in NUMBER_RULES:
        return NUMBER_RULES[unit](value, loc, digits, sign=sign)
    return loc.text("scorecard.units", unit, n=fmt.number(value, loc, digits, sign=sign))


def fraction(x: float, loc: Locale, most: int = 2) -> str:
    """A rate given as a fraction, as a percentage with the decimals it needs: 0.02 -> ``2%``, 0.0163 -> ``1.63%``."""
    pct = x * 100
    return fmt.pct(pct, loc, exact_digits(pct, most))


def share(x: float, loc: Locale) -> str:
    """A share given as a fraction, as a whole percentage: 0.4614 -> ``46%``."""
    return fmt.pct(x * 100, loc, 0)


def multiple(k: float, loc: Locale) -> str:
    """A multiple as the pack writes it (``brief.scenarios.multiple``): ``×1.25`` / ``1.25倍``."""
    return loc.text("brief.scenarios.multiple", n=fmt.number(k, loc, exact_digits(k, 2)))
