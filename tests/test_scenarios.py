"""Basis-unwind stress scenarios: the model on hand-worked numbers, its monotonicity, its edges,
the curated parameter table, and ``ustglass scenario`` on the shipped snapshots."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass import metrics, scenarios, snapshot
from ustglass.app import app
from ustglass.errors import InputError
from ustglass.scenarios import ParameterError, ScenarioParams, evaluate

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
TABLE_TEXT = (REPO / "cli" / "ustglass" / "research" / "scenario_parameters.toml").read_text(encoding="utf-8")
runner = CliRunner()


def params(**changes: float) -> ScenarioParams:
    base = dict(beta=0.5, haircut=0.01, margin=0.02, buffer=0.25, haircut_shock=0.02, margin_mult=1.5, daily_volume_usd_bn=800.0)
    return ScenarioParams(**{**base, **changes})


# --- the model on hand-worked numbers ------------------------------------------------------


def test_hand_worked_partial_unwind() -> None:
    """N = 1000, β = 0.5, h = 0.01, m = 0.02, b = 0.25, Δh = 0.02, k = 1.5, V = 800:

    B = 0.5 × 1000 = 500
    C = 500 × (0.01 + 0.02) = 15
    C′ = 500 × (0.01 + 0.02 + 1.5 × 0.02) = 500 × 0.06 = 30
    available = 15 × 1.25 = 18.75
    U = 500 × (1 − 18.75 / 30) = 500 × 0.375 = 187.5;  U/B = 0.375;  U/V = 187.5 / 800 = 0.234375 days
    """
    r = evaluate(1000.0, params())
    assert r.basis_usd_bn == pytest.approx(500.0)
    assert r.capital_usd_bn == pytest.approx(15.0)
    assert r.capital_needed_usd_bn == pytest.approx(30.0)
    assert r.available_usd_bn == pytest.approx(18.75)
    assert r.forced_unwind_usd_bn == pytest.approx(187.5)
    assert r.unwind_share == pytest.approx(0.375)
    assert r.volume_days == pytest.approx(0.234375)
    assert r.to_dict() == {
        "inputs": {
            "beta": 0.5,
            "haircut": 0.01,
            "margin": 0.02,
            "buffer": 0.25,
            "haircut_shock": 0.02,
            "margin_mult": 1.5,
            "daily_volume_usd_bn": 800.0,
        },
        "lev_short_usd_bn": 1000.0,
        "basis_usd_bn": 500.0,
        "capital_usd_bn": 15.0,
        "capital_needed_usd_bn": 30.0,
        "available_capital_usd_bn": 18.8,
        "forced_unwind_usd_bn": 187.5,
        "unwind_share": 0.375,
        "volume_days": 0.234,
    }


def test_hand_worked_buffer_absorbs_the_shock() -> None:
    """N = 800, β = 0.6, h = 0, m = 0.02, b = 1, Δh = 0, k = 1.5:

    B = 480;  C = 480 × 0.02 = 9.6;  C′ = 480 × 1.5 × 0.02 = 14.4;  available = 9.6 × 2 = 19.2 ≥ 14.4
    U = 480 × max(0, 1 − 19.2 / 14.4) = 480 × max(0, −0.33) = 0
    """
    r = evaluate(800.0, params(beta=0.6, haircut=0.0, buffer=1.0, haircut_shock=0.0))
    assert (r.basis_usd_bn, r.capital_needed_usd_bn, r.available_usd_bn) == pytest.approx((480.0, 14.4, 19.2))
    assert r.forced_unwind_usd_bn == 0.0 and r.unwind_share == 0.0 and r.volume_days == 0.0


def test_hand_worked_2020_like_gives_a_fifth_whatever_the_margin() -> None:
    """h = 0, Δh = 0, k = 1.5, b = 0.2 (the 2020-like scenario with the default buffer):

    U/B = 1 − m × 1.2 / (1.5 × m) = 1 − 0.8 = 0.2 for any margin m > 0; with N = 1000, β = 0.6: U = 600 × 0.2 = 120
    """
    for m in (0.005, 0.0174, 0.06):
        r = evaluate(1000.0, params(beta=0.6, haircut=0.0, margin=m, buffer=0.2, haircut_shock=0.0, margin_mult=1.5))
        assert r.unwind_share == pytest.approx(0.2)
        assert r.forced_unwind_usd_bn == pytest.approx(120.0)


def test_hand_worked_haircut_floor() -> None:
    """The default shock on a zero haircut: h = 0, m = 0.015, b = 0.2, Δh = 0.02, k = 1, N = 1000, β = 0.6, V = 1000:

    C′/B = 0.02 + 0.015 = 0.035;  available/B = 0.015 × 1.2 = 0.018
    U/B = 1 − 0.018 / 0.035 = 0.485714…;  U = 600 × 0.485714 = 291.43;  U/V = 0.291 days
    """
    r = evaluate(
        1000.0, params(beta=0.6, haircut=0.0, margin=0.015, buffer=0.2, haircut_shock=0.02, margin_mult=1.0, daily_volume_usd_bn=1000.0)
    )
    assert r.unwind_share == pytest.approx(1 - 0.018 / 0.035)
    assert r.forced_unwind_usd_bn == pytest.approx(600 * (1 - 0.018 / 0.035))
    assert r.to_dict()["forced_unwind_usd_bn"] == 291.4 and r.to_dict()["volume_days"] == 0.291


# --- more stress never gives less unwind ----------------------------------------------------

HAIRCUTS = (0.0, 0.005, 0.02, 0.05)
MARGINS = (0.005, 0.015, 0.03, 0.06)
BUFFERS = (0.0, 0.1, 0.2, 0.5, 1.0, 3.0)
SHOCKS = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1)
MULTS = (0.0, 0.5, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0)


def test_more_stress_never_gives_less_unwind() -> None:
    """Over every combination of the grids above: raising Δh or k, or lowering b, never lowers U."""
    checked = 0
    for h, m, b in itertools.product(HAIRCUTS, MARGINS, BUFFERS):
        for k in MULTS:
            shares = [
                evaluate(1000.0, params(haircut=h, margin=m, buffer=b, haircut_shock=dh, margin_mult=k)).forced_unwind_usd_bn
                for dh in SHOCKS
            ]
            assert shares == sorted(shares), (h, m, b, k)
            checked += 1
        for dh in SHOCKS:
            by_k = [
                evaluate(1000.0, params(haircut=h, margin=m, buffer=b, haircut_shock=dh, margin_mult=k)).forced_unwind_usd_bn for k in MULTS
            ]
            assert by_k == sorted(by_k), (h, m, b, dh)
            checked += 1
    for h, m, dh, k in itertools.product(HAIRCUTS, MARGINS, SHOCKS, MULTS):
        by_b = [
            evaluate(1000.0, params(haircut=h, margin=m, buffer=b, haircut_shock=dh, margin_mult=k)).forced_unwind_usd_bn for b in BUFFERS
        ]
        assert by_b == sorted(by_b, reverse=True), (h, m, dh, k)
        checked += 1
    assert checked == 4 * 4 * 6 * (8 + 7) + 4 * 4 * 7 * 8


def test_unwind_stays_within_the_position() -> None:
    for h, m, b, dh, k in itertools.product(HAIRCUTS, MARGINS, BUFFERS, SHOCKS, MULTS):
        r = evaluate(1000.0, params(haircut=h, margin=m, buffer=b, haircut_shock=dh, margin_mult=k))
        assert 0.0 <= r.unwind_share < 1.0
        assert 0.0 <= r.forced_unwind_usd_bn <= r.basis_usd_bn


# --- edges -------------------------------------------------------------------------------


def test_nothing_required_after_the_shock() -> None:
    """C′ = 0 (h = 0, Δh = 0, k = 0): margins vanish, nothing is required, nothing is forced out."""
    r = evaluate(1000.0, params(haircut=0.0, haircut_shock=0.0, margin_mult=0.0))
    assert r.capital_needed_usd_bn == 0.0
    assert (r.forced_unwind_usd_bn, r.unwind_share, r.volume_days) == (0.0, 0.0, 0.0)


def test_no_basis_position() -> None:
    """β = 0 or N = 0: B = 0 and U = 0, while U/B still follows the rates (here 0.375, as hand-worked above)."""
    for n, beta in ((1000.0, 0.0), (0.0, 0.5)):
        r = evaluate(n, params(beta=beta))
        assert (r.basis_usd_bn, r.forced_unwind_usd_bn, r.volume_days) == (0.0, 0.0, 0.0)
        assert r.unwind_share == pytest.approx(0.375)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"beta": 1.2}, "--beta (β): must be between 0 and 1 (a fraction: 0.02 = 2%), got 1.2"),
        ({"beta": -0.1}, "--beta (β): must be between 0 and 1 (a fraction: 0.02 = 2%), got -0.1"),
        ({"haircut": -0.01}, "--haircut (h): must be between 0 and 1 (a fraction: 0.02 = 2%), got -0.01"),
        ({"margin": 3.0}, "--margin (m): must be between 0 and 1 (a fraction: 0.02 = 2%), got 3"),
        ({"buffer": -0.5}, "--buffer (b): must be between 0 and 10 (a fraction: 0.02 = 2%), got -0.5"),
        ({"haircut_shock": -0.02}, "--haircut-shock (Δh): must be between 0 and 1 (a fraction: 0.02 = 2%), got -0.02"),
        ({"margin_mult": 250.0}, "--margin-mult (k): must be between 0 and 100, got 250"),
        ({"daily_volume_usd_bn": 0.0}, "--daily-volume (V): must be greater than 0 and at most 100000 (USD billions), got 0"),
        ({"beta": float("nan")}, "--beta (β): must be a finite number, got nan"),
        ({"margin_mult": float("inf")}, "--margin-mult (k): must be a finite number, got inf"),
        (
            {"haircut": 0.0, "margin": 0.0},
            "--haircut (h) + --margin (m): must be greater than 0; with no capital posted the "
            "leverage is infinite and the model is undefined",
        ),
        ({"haircut": 0.6, "haircut_shock": 0.5}, "--haircut (h) + --haircut-shock (Δh): must be at most 1, got 1.1"),
    ],
)
def test_bad_inputs_are_refused_with_the_option_named(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        params(**changes)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_negative_short_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"^leveraged funds' short N: must be a finite number of at least 0, got -1.0$"):
        evaluate(-1.0, params())


def test_grid_shape_and_cells() -> None:
    g = scenarios.grid(1000.0, params(), (0.0, 0.01, 0.02), (1.0, 2.0))
    d = g.to_dict()
    assert d["haircut_shock"] == [0.0, 0.01, 0.02] and d["margin_mult"] == [1.0, 2.0]
    assert [len(row) for row in d["forced_unwind_usd_bn"]] == [2, 2, 2]
    # row Δh = 0.02, column k = 2: C′/B = 0.01 + 0.02 + 0.04 = 0.07; available/B = 0.03 × 1.25 = 0.0375
    assert g.cells[2][1].unwind_share == pytest.approx(1 - 0.0375 / 0.07)
    assert d["unwind_share"][2][1] == round(1 - 0.0375 / 0.07, 4)
    assert g.cells[1][0].params == params(haircut_shock=0.01, margin_mult=1.0)


# --- the parameter table ----------------------------------------------------------------


def test_shipped_table_covers_every_parameter_contract_and_scenario() -> None:
    table = scenarios.shipped_table()
    assert [p.id for p in table.parameters] == list(scenarios.FIELDS)
    assert {m.code for m in table.margins} == set(metrics.FACE_USD)
    assert [s.name for s in table.scenarios] == ["mild", "2020-like", "severe"]
    for spec in table.parameters:
        assert spec.citations and spec.option.startswith("--")
        assert (spec.value is None) == (spec.id == "margin")
    for cite in [c for p in table.parameters for c in p.citations] + [c for m in table.margins for c in m.citations]:
        assert cite.quote_kind in ("quote", "paraphrase") and cite.url.startswith("http") and cite.quote
    by_id = {p.id: p.value for p in table.parameters}
    assert (by_id["haircut"], by_id["haircut_shock"]) == (0.0, 0.02)  # zero-haircut repo; the 200 bp floor
    assert all(p.unit in scenarios.UNITS for p in table.parameters)


def test_methods_rows_come_from_the_table() -> None:
    table = scenarios.shipped_table()
    rows = scenarios.methods_rows(table)
    assert [r.id for r in rows] == [*scenarios.FIELDS, *(f"margin.{m.code}" for m in table.margins)]
    beta = rows[0]
    assert (beta.kind, beta.symbol, beta.value, beta.unit) == ("parameter", "β", 0.6, "fraction")
    assert (beta.citations[0].authors, beta.citations[0].title) == (
        "Daniel Barth, R. Jay Kahn",
        "Hedge funds and the Treasury cash-futures basis trade",
    )
    assert beta.citations[1].doi == "10.17016/2380-7172.3458"
    volume = rows[scenarios.FIELDS.index("daily_volume_usd_bn")]
    assert (volume.symbol, volume.unit, volume.value) == ("V", "USD billions", 1000.0)
    assert rows[scenarios.FIELDS.index("margin")].value is None
    margins = [r for r in rows if r.kind == "margin"]
    assert [(r.key, r.symbol, r.value) for r in margins] == [(m.code, "m", m.value) for m in table.margins]
    assert all(r.approximate and r.as_of == "2024–2025" for r in margins)
    kinds = {c.quote_kind for r in rows for c in r.citations}
    assert kinds == {"quote", "paraphrase"}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("value = 0.6\n", "", "research/scenario_parameters.toml, field 'parameters.beta.value': missing"),
        (
            "value = 0.6\n",
            "value = 6\n",
            "research/scenario_parameters.toml, field 'parameters.beta.value': must be between 0 and 1 (a fraction: 0.02 = 2%), got 6",
        ),
        ("value = 0.6\n", 'value = "0.6"\n', "research/scenario_parameters.toml, field 'parameters.beta.value': wrong type str"),
        (
            'repo."\nquote_kind = "quote"',
            'repo."\nquote_kind = "gist"',
            "research/scenario_parameters.toml, field 'parameters.beta.citations[0].quote_kind': must be 'quote' or 'paraphrase'",
        ),
        (
            'unit = "USD billions"',
            'unit = "dollars"',
            "research/scenario_parameters.toml, field 'parameters.daily_volume_usd_bn.unit': "
            "unknown unit 'dollars'; choose from fraction, multiple, USD billions",
        ),
        (
            'option = "--beta"',
            'option = "--basis"',
            "research/scenario_parameters.toml, field 'parameters.beta.option': option and symbol must be those of the command: --beta (β)",
        ),
        ("margin_mult = [1.0,", 'margin_mult = ["1",', "research/scenario_parameters.toml, field 'grid.margin_mult[0]': wrong type str"),
        (
            "haircut_shock = [0.0,",
            "haircut_shock = [-0.01,",
            "research/scenario_parameters.toml, field 'grid.haircut_shock[0]': must be between 0 and 1 (a fraction: 0.02 = 2%), got -0.01",
        ),
        (
            "margin_mult = 1.25\n",
            "margin_mult = 1.25\nleverage = 3\n",
            "research/scenario_parameters.toml, field 'scenarios.mild.leverage': not a parameter",
        ),
    ],
)
def test_broken_table_names_the_field(old: str, new: str, message: str) -> None:
    assert old in TABLE_TEXT
    with pytest.raises(InputError) as info:
        scenarios.parse_table(TABLE_TEXT.replace(old, new, 1))
    assert str(info.value) == message


def test_weighted_margin_is_by_notional() -> None:
    """2-year $300 bn at 0.5% and 10-year $100 bn at 2%: (300 × 0.005 + 100 × 0.02) / 400 = 3.5 / 400 = 0.00875."""
    table = scenarios.shipped_table()
    assert scenarios.weighted_margin({"042601": 300.0, "043602": 100.0}, table.margins) == pytest.approx(0.00875)
    with pytest.raises(InputError, match=r"field 'margins.099999': no margin for contract 099999$"):
        scenarios.weighted_margin({"099999": 1.0}, table.margins)


# --- the command on the shipped snapshots --------------------------------------------------


def shipped(edition: str) -> tuple[float, str, dict[str, float]]:
    """N, its date and the latest week's short by contract, read from a shipped snapshot."""
    snap = snapshot.load(SHIPPED / edition)
    tff = snap.tables["cftc_tff_ust"]
    series = metrics.lev_short_notional(tff)
    last = tff[tff["report_date"] == series.index[-1]]
    by_contract = {c: round(float(v) * metrics.FACE_USD[c] / 1e9, 1) for c, v in zip(last["contract_code"], last["lev_short"])}
    return round(float(series.iloc[-1]), 1), series.index[-1].strftime("%Y-%m-%d"), by_contract


def scenario(*args: str) -> dict:
    result = runner.invoke(app, ["scenario", "--snapshots", str(SHIPPED), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("edition", ["2025-12-31", "2026-10-09"])
def test_json_on_the_shipped_snapshot(edition: str) -> None:
    n, date, by_contract = shipped(edition)
    table = scenarios.shipped_table()
    margins = {m.code: m.value for m in table.margins}
    m = sum(v * margins[c] for c, v in by_contract.items()) / sum(by_contract.values())
    out = scenario("--snapshot", edition)
    assert (out["snapshot"], out["lev_short_date"], out["lev_short_usd_bn"]) == (edition, date, n)
    assert out["inputs"] == {
        "beta": 0.6,
        "haircut": 0.0,
        "margin": round(m, 6),
        "buffer": 0.2,
        "haircut_shock": 0.02,
        "margin_mult": 1.0,
        "daily_volume_usd_bn": 1000.0,
    }
    basis = 0.6 * n
    share = 1 - m * 1.2 / (0.02 + m)
    assert out["basis_usd_bn"] == round(basis, 1)
    assert out["unwind_share"] == round(share, 4)
    assert out["forced_unwind_usd_bn"] == round(basis * share, 1)
    assert out["volume_days"] == round(basis * share / 1000.0, 3)
    assert out["input_sources"]["margin"] == "contract-weighted"
    # the 2025-12-31 edition's latest complete week is of April 2025; the newest edition's, 2026-10-06, the last one released
    assert (out["lev_short_weeks_since_latest"] > 0) == (edition == "2025-12-31")


def test_named_scenario_and_options_override_it() -> None:
    n, _, _ = shipped("2026-10-09")
    out = scenario("--snapshot", "2026-10-09", "--name", "2020-like", "--beta", "0.5")
    assert out["scenario"] == "2020-like"
    assert (out["inputs"]["haircut_shock"], out["inputs"]["margin_mult"], out["inputs"]["beta"]) == (0.0, 1.5, 0.5)
    assert out["input_sources"] == {
        "beta": "option",
        "haircut": "default",
        "margin": "contract-weighted",
        "buffer": "default",
        "haircut_shock": "scenario 2020-like",
        "margin_mult": "scenario 2020-like",
        "daily_volume_usd_bn": "default",
    }
    assert out["unwind_share"] == 0.2  # 1 − 1.2 / 1.5, hand-worked above
    assert out["forced_unwind_usd_bn"] == round(0.5 * n * 0.2, 1)
    explicit = scenario(
        "--snapshot",
        "2026-10-09",
        "--margin",
        "0.01",
        "--haircut",
        "0.01",
        "--buffer",
        "0",
        "--haircut-shock",
        "0.01",
        "--margin-mult",
        "2",
        "--daily-volume",
        "500",
    )
    # C′/C = (0.01 + 0.01 + 2 × 0.01) / (0.01 + 0.01) = 2, b = 0: U/B = 1 − 1/2 = 0.5
    assert explicit["unwind_share"] == 0.5 and explicit["input_sources"]["margin"] == "option"
    assert explicit["volume_days"] == round(0.6 * n * 0.5 / 500, 3)


def test_grid_json_shape_matches_single_runs() -> None:
    out = scenario("--snapshot", "2026-10-09", "--grid")
    table = scenarios.shipped_table()
    g = out["grid"]
    assert (g["rows"], g["columns"]) == ("haircut_shock", "margin_mult")
    assert g["haircut_shock"] == list(table.grid_haircut_shocks) and g["margin_mult"] == list(table.grid_margin_mults)
    for key in ("forced_unwind_usd_bn", "unwind_share", "volume_days"):
        assert len(g[key]) == len(table.grid_haircut_shocks)
        assert all(len(row) == len(table.grid_margin_mults) for row in g[key])
    i, j = g["haircut_shock"].index(0.01), g["margin_mult"].index(2.0)
    single = scenario("--snapshot", "2026-10-09", "--haircut-shock", "0.01", "--margin-mult", "2")
    assert g["forced_unwind_usd_bn"][i][j] == single["forced_unwind_usd_bn"]
    assert g["forced_unwind_usd_bn"][g["haircut_shock"].index(0.02)][g["margin_mult"].index(1.0)] == out["forced_unwind_usd_bn"]
    for row in g["forced_unwind_usd_bn"]:
        assert row == sorted(row)


def test_text_output_for_the_analyst() -> None:
    n, date, _ = shipped("2026-10-09")
    out = scenario("--snapshot", "2026-10-09", "--name", "severe")
    result = runner.invoke(app, ["scenario", "--snapshots", str(SHIPPED), "--snapshot", "2026-10-09", "--name", "severe", "--grid"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Basis-unwind stress scenario: severe"
    assert lines[1] == f"Snapshot 2026-10-09; leveraged funds' gross short N = ${n:,.1f} bn (CFTC TFF, week of {date})"
    assert "  Δh  haircut shock                    0.0200   scenario severe" in lines
    assert (
        f"Forced unwind: ${out['forced_unwind_usd_bn']:,.1f} bn, {out['unwind_share']:.1%} of the basis position, "
        f"{out['volume_days']:.2f} days of cash Treasury volume."
    ) in lines
    assert "  Δh \\ k      1.00     1.25     1.50     2.00     2.50     3.00" in lines


def test_text_says_when_the_futures_data_stop_early() -> None:
    n, date, _ = shipped("2025-12-31")
    out = scenario("--snapshot", "2025-12-31")
    weeks = out["lev_short_weeks_since_latest"]
    assert weeks > 0 and date < "2025-12-31"
    result = runner.invoke(app, ["scenario", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31"])
    assert result.stdout.splitlines()[1] == (
        f"Snapshot 2025-12-31; leveraged funds' gross short N = ${n:,.1f} bn "
        f"(CFTC TFF, week of {date}; the {weeks} weekly reports after it are missing)"
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--beta", "1.5"], "Error: --beta (β): must be between 0 and 1 (a fraction: 0.02 = 2%), got 1.5"),
        (["--haircut", "2"], "Error: --haircut (h): must be between 0 and 1 (a fraction: 0.02 = 2%), got 2"),
        (["--daily-volume", "-900"], "Error: --daily-volume (V): must be greater than 0 and at most 100000 (USD billions), got -900"),
        (["--name", "extreme"], "Error: --name: unknown scenario 'extreme'; choose from mild, 2020-like, severe"),
        (
            ["--haircut", "0", "--margin", "0"],
            "Error: --haircut (h) + --margin (m): must be greater than 0; with no capital posted "
            "the leverage is infinite and the model is undefined",
        ),
    ],
)
def test_bad_options_are_one_line_usage_errors(args: list[str], line: str) -> None:
    result = runner.invoke(app, ["scenario", "--snapshots", str(SHIPPED), *args])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


def test_unknown_snapshot_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", "--snapshots", str(tmp_path), "--snapshot", "1999-01-01"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: 1999-01-01: no such snapshot (looked in {tmp_path})"


def test_brief_scenarios_for_key_figures() -> None:
    snap = snapshot.load(SHIPPED / "2026-10-09")
    kf = metrics.key_figures(snap.tables, snap.manifest)
    table = scenarios.shipped_table()
    found = scenarios.brief_scenarios(kf, table)
    assert [o.name for o in found.named] == ["mild", "2020-like", "severe"]
    shares = [o.unwind_share for o in found.named]
    assert shares == sorted(shares) and shares[1] == 0.2
    assert found.grid.forced_unwind_usd_bn[0][0] == 0.0  # Δh = 0, k = 1: the buffer covers the requirement
    assert (found.lev_short.value, found.lev_short.as_of) == (kf.basis.latest.value, kf.basis.latest.as_of)
    # every term as `ustglass scenario --json` prints it, for the defaults and each named scenario
    for outcome, name in ((found.defaults, None), *((o, o.name) for o in found.named)):
        printed = scenarios.report(kf, table, name).result.to_dict()
        assert dataclasses.asdict(outcome) == {"name": name or scenarios.DEFAULTS, **printed}
    g = scenarios.grid(
        kf.basis.latest.value, scenarios.report(kf, table).result.params, table.grid_haircut_shocks, table.grid_margin_mults
    ).to_dict()
    assert [list(r) for r in found.grid.unwind_share] == g["unwind_share"]
    assert (found.grid.haircut_shock, found.grid.margin_mult) == (table.grid_haircut_shocks, table.grid_margin_mults)
