"""Exact strings for numbers and dates in both languages, with rounding edges and negatives."""

from __future__ import annotations

import pytest

from ustglass import fmt, locale
from ustglass.errors import BuildError

ZH, EN = locale.load("zh"), locale.load("en")


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (1774.684, "1.8万亿美元", "$1.8 trillion"),
        (1850.0, "1.9万亿美元", "$1.9 trillion"),
        (423.0, "4,230亿美元", "$423 billion"),
        (423.04, "4,230亿美元", "$423 billion"),
        (1000.0, "1.0万亿美元", "$1.0 trillion"),
        (999.96, "1.0万亿美元", "$1.0 trillion"),
        (999.94, "1.0万亿美元", "$1.0 trillion"),
        (999.4, "9,990亿美元", "$999 billion"),
        (999.5, "1.0万亿美元", "$1.0 trillion"),
        (9.5, "95亿美元", "$9.5 billion"),
        (9.96, "100亿美元", "$10 billion"),
        (0.0, "0美元", "$0"),
        (-1774.684, "−1.8万亿美元", "−$1.8 trillion"),
        (-423.0, "−4,230亿美元", "−$423 billion"),
        (12345.6, "12.3万亿美元", "$12.3 trillion"),
    ],
)
def test_usd_bn(value: float, zh: str, en: str) -> None:
    assert fmt.usd_bn(value, ZH) == zh
    assert fmt.usd_bn(value, EN) == en


def test_usd_bn_digits_and_sign() -> None:
    assert fmt.usd_bn(1850.0, ZH, digits=2) == "1.85万亿美元"
    assert fmt.usd_bn(1850.0, EN, digits=2) == "$1.85 trillion"
    assert fmt.usd_bn(1404.9, EN, digits=2) == "$1.40 trillion"
    assert fmt.usd_bn(41.2, EN, sign=True) == "+$41 billion"
    assert fmt.usd_bn(41.2, ZH, sign=True) == "+410亿美元"  # to the nearest $1 billion, as in English
    assert fmt.usd_bn(-41.2, ZH, sign=True) == "−410亿美元"
    assert fmt.usd_bn(-0.01, EN) == "$0"  # nothing, never "-0" or "$0.0 billion"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(122.6, 1, "122.6%"), (122.65, 1, "122.7%"), (122.64, 1, "122.6%"), (-0.04, 1, "0.0%"), (99.95, 1, "100.0%"), (7.0, 0, "7%")],
)
def test_pct(value: float, digits: int, expected: str) -> None:
    assert fmt.pct(value, ZH, digits) == expected
    assert fmt.pct(value, EN, digits) == expected


def test_pct_sign() -> None:
    assert fmt.pct(0.44, EN, sign=True) == "+0.4%"
    assert fmt.pct(-0.44, ZH, sign=True) == "−0.4%"
    assert fmt.pct(0.0, EN, sign=True) == "0.0%"


def test_bp() -> None:
    assert fmt.bp(12.4, ZH) == "12个基点"
    assert fmt.bp(12.5, EN) == "13 bp"
    assert fmt.bp(-3.0, ZH) == "−3个基点"
    assert fmt.bp(-3.0, EN) == "−3 bp"
    assert fmt.bp(12.0, EN, sign=True) == "+12 bp"
    assert fmt.bp(12.0, ZH, sign=True) == "+12个基点"
    assert fmt.bp(1.25, EN, digits=1) == "1.3 bp"


def test_number() -> None:
    assert fmt.number(1234567.891, EN, 2) == "1,234,567.89"
    assert fmt.number(1234567.891, ZH) == "1,234,568"
    assert fmt.number(-1234.5, EN) == "−1,235"
    assert fmt.number(999.5, EN) == "1,000"
    assert fmt.number(5.0, EN, sign=True) == "+5"
    assert fmt.number(0.0, EN, sign=True) == "0"


def test_dates() -> None:
    assert fmt.month("2025-12", ZH) == "2025年12月"
    assert fmt.month("2025-12", EN) == "December 2025"
    assert fmt.month("2026-01", ZH) == "2026年1月"
    assert fmt.month_short("2025-09", EN) == "Sep 2025"
    assert fmt.day("2025-12-31", ZH) == "2025年12月31日"
    assert fmt.day("2025-12-31", EN) == "December 31, 2025"
    assert fmt.day("2026-10-06", EN) == "October 6, 2026"
    assert fmt.day_short("2026-10-06", EN) == "Oct 6, 2026"
    assert fmt.date("2024-12", EN) == "December 2024"
    assert fmt.date("2024-12-31", ZH) == "2024年12月31日"
    assert fmt.fiscal_year("2025", ZH) == "2025财年"
    assert fmt.fiscal_year("2025", EN) == "FY2025"
    assert fmt.year(2021, ZH) == "2021年"
    assert fmt.year("2021", EN) == "2021"


@pytest.mark.parametrize("bad", ["2025", "2025-13", "2025-1x", "25-12-01-01"])
def test_bad_month(bad: str) -> None:
    with pytest.raises(ValueError):
        fmt.month(bad, EN)


def test_bad_inputs() -> None:
    with pytest.raises(BuildError, match="no language pack 'fr'"):
        locale.load("fr")
    with pytest.raises(ValueError, match="non-finite"):
        fmt.pct(float("nan"), EN)
