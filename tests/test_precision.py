"""One precision rule for every language, and amounts that differ always read differently.

FY2024's deficit (1,815.377 bn) and FY2025's (1,774.684 bn) both round to "$1.8 trillion": the
brief says the deficit fell, so wherever both are shown they must read differently.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ustglass import fmt, locale

ZH, EN = locale.load("zh"), locale.load("en")
DEFICITS = [983.588, 3132.456, 2773.594, 1374.171, 1687.467, 1815.377, 1774.684]  # FY2019..FY2025


@pytest.mark.parametrize(
    ("value", "step"),
    [
        (1774.684, "100"),
        (1000.0, "100"),
        (999.96, "100"),
        (999.4, "1"),
        (423.04, "1"),
        (10.0, "1"),
        (9.96, "1"),
        (9.5, "0.1"),
        (0.0, "0.1"),
        (-1774.684, "100"),
    ],
)
def test_default_step_by_magnitude(value: float, step: str) -> None:
    assert fmt.usd_step(value) == Decimal(step)


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (683.5, "6,840亿美元", "$684 billion"),
        (421.2, "4,210亿美元", "$421 billion"),
        (40.7, "410亿美元", "$41 billion"),
        (2.55, "26亿美元", "$2.6 billion"),
    ],
)
def test_both_languages_round_to_the_same_figures(value: float, zh: str, en: str) -> None:
    assert (fmt.usd_bn(value, ZH), fmt.usd_bn(value, EN)) == (zh, en)


def test_a_given_step_sets_the_decimals_in_each_unit() -> None:
    assert fmt.usd_bn(1823.0, EN, step=100) == "$1.8 trillion" and fmt.usd_bn(1823.0, ZH, step=100) == "1.8万亿美元"
    assert fmt.usd_bn(1850.0, EN, step=10) == "$1.85 trillion" and fmt.usd_bn(1850.0, ZH, step=10) == "1.85万亿美元"
    assert fmt.usd_bn(983.588, EN, step=10) == "$980 billion" and fmt.usd_bn(983.588, ZH, step=10) == "9,800亿美元"
    assert fmt.usd_bn(74.6, EN, step="0.1") == "$74.6 billion" and fmt.usd_bn(74.6, ZH, step="0.1") == "746亿美元"


def test_the_deficit_table_reads_every_year_apart() -> None:
    # one significant-figure policy for the row (three, as FY2019's $984 billion has): FY2024 and FY2025 read apart
    assert fmt.usd_each(DEFICITS, EN) == [
        "$984 billion",
        "$3.13 trillion",
        "$2.77 trillion",
        "$1.37 trillion",
        "$1.69 trillion",
        "$1.82 trillion",
        "$1.77 trillion",
    ]
    assert fmt.usd_each(DEFICITS, ZH) == [
        "9,840亿美元",
        "3.13万亿美元",
        "2.77万亿美元",
        "1.37万亿美元",
        "1.69万亿美元",
        "1.82万亿美元",
        "1.77万亿美元",
    ]
    # alone, each keeps its own default: the two years then read the same
    assert fmt.usd_bn(DEFICITS[-2], EN) == fmt.usd_bn(DEFICITS[-1], EN) == "$1.8 trillion"


def test_extra_places_only_as_far_as_needed() -> None:
    assert fmt.extra_places([[1815.377, 1774.684]]) == 1
    assert fmt.extra_places([[1815.377, 1818.0]]) == 2  # 1.82 twice at one place: two places
    assert fmt.extra_places([[1815.4, 1815.4, 983.6]]) == 0  # equal amounts need nothing
    assert fmt.extra_places([[1200.0, 1101.5], [435.1, 423.0]]) == 0
    assert fmt.usd_steps([3000.0, 9.5]) == [Decimal(100), Decimal("0.1")]  # each from its own default
    assert fmt.usd_steps([1815.377, 1774.684]) == [Decimal(10), Decimal(10)]
    assert fmt.usd_steps([]) == []


def test_a_table_compares_within_its_rows_and_keeps_empty_cells() -> None:
    # three significant figures throughout (as $866 billion has): Japan's two months then read apart
    rows = [[1185.5, 1161.0], [866.0, None]]
    assert fmt.usd_table(rows, EN) == [["$1.19 trillion", "$1.16 trillion"], ["$866 billion", None]]
    assert fmt.usd_table(rows, ZH) == [["1.19万亿美元", "1.16万亿美元"], ["8,660亿美元", None]]


def test_only_the_cells_that_would_read_the_same_are_made_finer() -> None:
    # the 2024-06-30 holders table: Japan 1,126.1 and 1,125.8 bn need four places; the rows beside it do not
    rows = [[1126.1, 1125.8], [770.7, 868.9], [326.0, 285.1]]
    assert fmt.usd_table(rows, EN) == [
        ["$1.1261 trillion", "$1.1258 trillion"],
        ["$771 billion", "$869 billion"],
        ["$326 billion", "$285 billion"],
    ]
    assert fmt.usd_table(rows, ZH)[1] == ["7,710亿美元", "8,690亿美元"]
    # no trailing zeros from a precision another row needed
    assert not any(c.endswith("0 billion") and "." in c for row in fmt.usd_table(rows, EN) for c in row)


def test_one_significant_figure_policy_per_table() -> None:
    assert fmt.significant_figures(983.588, fmt.usd_step(983.588)) == 3
    assert fmt.significant_figures(3132.456, fmt.usd_step(3132.456)) == 2
    assert fmt.step_for_figures(3132.456, 3) == Decimal(10) and fmt.step_for_figures(983.588, 3) == Decimal(1)
    assert fmt.step_for_figures(999.6, 3) == Decimal(10)  # $1.00 trillion, not $1.000 trillion
    # FY2019-FY2023: $984 billion beside three figures of the trillions, not $3.1 trillion
    assert fmt.usd_each(DEFICITS[:5], EN) == ["$984 billion", "$3.13 trillion", "$2.77 trillion", "$1.37 trillion", "$1.69 trillion"]


def test_nothing_reads_as_zero_dollars() -> None:
    assert (fmt.usd_bn(0.0, EN), fmt.usd_bn(0.0, ZH)) == ("$0", "0美元")
    assert fmt.usd_bn(0.0, EN, 2, sign=True) == "$0" and fmt.usd_bn(-0.01, EN) == "$0"
    assert fmt.usd_table([[0.0, 12.0]], EN) == [["$0", "$12 billion"]]
    # two holders of about the same size in different rows are not compared
    assert fmt.usd_table([[477.3, 375.0], [477.0, 379.0]], EN) == [["$477 billion", "$375 billion"], ["$477 billion", "$379 billion"]]


def test_chart_labels_take_the_decimals_that_tell_bars_apart() -> None:
    trillions = [v / 1000 for v in DEFICITS]
    assert fmt.distinct_digits(trillions, 1) == 2
    assert fmt.distinct_digits([1.0, 2.0, 3.1], 1) == 1
    assert fmt.distinct_digits([1.0, 1.0], 0) == 0
