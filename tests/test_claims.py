"""The claim check: every claim's verdict both ways on hand-made data, the not-available paths,
the comparisons and the combining rule, the wording packs, the shipped snapshots, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ustglass import claims, datasets, snapshot
from ustglass.app import app
from ustglass.claimmetrics import Measured
from ustglass.claims import CANNOT_CHECK, CONTEXT, NOT_SUPPORTED, PARTLY, SUPPORTED, Check
from ustglass.errors import BuildError

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
CODES = ("042601", "044601", "043602", "043607", "020601", "020604")
CLAIM_IDS = [
    "deficit-range",
    "deficit-fy2025",
    "deficit-fell",
    "tariffs",
    "cbo",
    "debt-gdp",
    "bills",
    "lev-short-1t",
    "lev-short-2020",
    "basis-total",
    "leverage",
    "cayman-185",
    "cayman-largest",
    "cayman-absorbed",
    "japan-weaker",
    "april-2025",
    "funding-tight",
    "maturing-10t",
    "qt-ending",
]
CLAIMS = {c.id: c for c in claims.load_claims()}
runner = CliRunner()


# --- builders ------------------------------------------------------------------------------


def fred(rows: list[tuple[str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime([d for d, _ in rows]), "value": [float(v) for _, v in rows]})


def fyfsd(deficits_bn: dict[int, float]) -> pd.DataFrame:
    return fred([(f"{fy}-09-30", -bn * 1000) for fy, bn in sorted(deficits_bn.items())])


def tff(weeks: dict[str, dict[str, int] | int]) -> pd.DataFrame:
    """Leveraged funds' short contracts per week: one count for every contract, or a count per contract code."""
    rows = []
    for d, shorts in weeks.items():
        for code in CODES:
            n = shorts if isinstance(shorts, int) else shorts.get(code, 0)
            rows.append(
                {
                    "report_date": pd.Timestamp(d),
                    "contract_code": code,
                    "market_name": code,
                    "open_interest": 10 * n,
                    "dealer_long": 0,
                    "dealer_short": 0,
                    "asset_mgr_long": 0,
                    "asset_mgr_short": 0,
                    "lev_long": 0,
                    "lev_short": n,
                    "lev_spread": 0,
                }
            )
    frame = pd.DataFrame(rows)
    for col in ("open_interest", "lev_long", "lev_short"):
        frame[col] = frame[col].astype("Int64")
    return frame


def usd_weeks(bn_by_week: dict[str, float]) -> pd.DataFrame:
    """Weeks whose six-contract short notional is the given USD bn (all in the 10-year contract)."""
    return tff({d: {"043602": int(round(bn * 1e9 / 100_000))} for d, bn in bn_by_week.items()})


def research(rows: dict[str, tuple[float, str]]) -> pd.DataFrame:
    cols = {c: [""] * len(rows) for c in datasets.RESEARCH.columns}
    cols["id"], cols["value"] = list(rows), [v for v, _ in rows.values()]
    cols["as_of"], cols["published"] = [a for _, a in rows.values()], ["2025-10-15"] * len(rows)
    return pd.DataFrame(cols)


def tic(values: dict[tuple[str, str], float]) -> pd.DataFrame:
    return pd.DataFrame({"month": [m for m, _ in values], "country": [c for _, c in values], "value": list(values.values())})


def mspd(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    """(record date, security type, security class, held by the public, total) in USD millions."""
    return pd.DataFrame(
        {
            "record_date": pd.to_datetime([r[0] for r in rows]),
            "security_type": [r[1] for r in rows],
            "security_class": [r[2] for r in rows],
            "public_usd_mn": [r[3] for r in rows],
            "intragov_usd_mn": [r[4] - r[3] for r in rows],
            "total_usd_mn": [r[4] for r in rows],
        }
    )


def bills(shares: dict[str, float]) -> pd.DataFrame:
    rows = []
    for d, pct in shares.items():
        rows += [(d, "Marketable", "Bills", pct * 1000, pct * 1000), (d, "Total Marketable", "_", 100_000.0, 100_000.0)]
    return mspd(rows)


def check(claim_id: str, tables: dict[str, pd.DataFrame]) -> claims.ClaimResult:
    return claims.check_claim(CLAIMS[claim_id], tables)


def verdict(claim_id: str, tables: dict[str, pd.DataFrame]) -> str:
    return check(claim_id, tables).verdict


# --- the definitions -----------------------------------------------------------------------


def test_every_claim_of_the_list_is_defined_with_wording_in_every_language():
    assert list(CLAIMS) == CLAIM_IDS
    for lang in ("en", "zh"):
        w = claims.wording(lang)
        for c in CLAIMS.values():
            assert w.get(f"{c.id}.text") and w.get(f"{c.id}.period")
            for chk in c.checks:
                assert w.get(f"{c.id}.checks.{chk.id}")
        for key in ("supported", "not_supported", "partly", "cannot_check", "context"):
            assert w.get(f"verdicts.{key}")
        for key in ("missing_dataset", "no_data", "missing_row", "not_read", "cayman_absorbed"):
            assert w.get(f"reasons.{key}")


def test_a_bad_definition_names_file_claim_check_and_field(tmp_path: Path):
    path = tmp_path / "claims.toml"
    path.write_text(
        '[x]\nrefers_to = "2025"\ndate = "2025-12-31"\n[[x.checks]]\nid = "y"\nmetric = "nope"\ncomparison = "approx"\nunit = "%"\n',
        encoding="utf-8",
    )
    with pytest.raises(BuildError) as exc:
        claims.load_claims(path)
    assert str(exc.value) == f"{path}, claim 'x', check 'y', field 'metric': unknown metric 'nope'"
    path.write_text(
        '[x]\nrefers_to = "2025"\ndate = "2025-12-31"\n[[x.checks]]\nid = "y"\nmetric = "deficit"\n'
        'comparison = "approx"\nclaimed = 1\nunit = "%"\n',
        encoding="utf-8",
    )
    with pytest.raises(BuildError) as exc:
        claims.load_claims(path)
    assert str(exc.value) == f"{path}, claim 'x', check 'y', field 'tolerance': an approximate claim needs a tolerance"


def test_a_missing_wording_key_is_an_error_naming_pack_and_key(tmp_path: Path):
    pack = tmp_path / "locales" / "en"
    pack.mkdir(parents=True)
    (pack / "claims.toml").write_text('[verdicts]\nsupported = "holds"\n', encoding="utf-8")
    w = claims.wording("en", tmp_path)
    assert w.get("verdicts.supported") == "holds"
    with pytest.raises(BuildError) as exc:
        w.get("deficit-range.text")
    assert str(exc.value) == f"{pack / 'claims.toml'}: missing key 'deficit-range.text'"
    with pytest.raises(BuildError, match="no claim wording for language 'fr'"):
        claims.wording("fr")


# --- comparisons and combining -------------------------------------------------------------


def chk(comparison: str, claimed, tolerance: float = 0.0, unit: str = "USD bn") -> Check:
    return Check("c", "deficit", {}, comparison, claimed, tolerance, unit)


@pytest.mark.parametrize(
    ("check_", "measured", "expected"),
    [
        (chk("approx", 1800, 90), Measured(1890, ""), (SUPPORTED, 90)),
        (chk("approx", 1800, 90), Measured(1980, ""), (PARTLY, 180)),
        (chk("approx", 1800, 90), Measured(1981, ""), (NOT_SUPPORTED, 181)),
        (chk("greater", 1000), Measured(1000.1, ""), (SUPPORTED, pytest.approx(0.1))),
        (chk("greater", 1000), Measured(1000, ""), (NOT_SUPPORTED, 0)),
        (chk("less", 5), Measured(4, ""), (SUPPORTED, -1)),
        (chk("equal", 1), Measured(2, ""), (NOT_SUPPORTED, None)),
        (chk("range", [-3, -2]), Measured(-2, ""), (SUPPORTED, None)),
        (chk("range", [-3, -2]), Measured(-3.5, ""), (NOT_SUPPORTED, -0.5)),
        (chk("range", [1500, 2000]), Measured(0, "", values={"a": 1600, "b": 2100}), (PARTLY, None)),
        (chk("range", [1500, 2000]), Measured(0, "", values={"a": 1400, "b": 2100}), (NOT_SUPPORTED, None)),
        (chk("direction", "rising", 0.5), Measured(0.6, ""), (SUPPORTED, None)),
        (chk("direction", "rising", 0.5), Measured(0.5, ""), (PARTLY, None)),
        (chk("direction", "falling", 0.5), Measured(0.6, ""), (NOT_SUPPORTED, None)),
        (chk("signal_in", ["watch", "stressed"]), Measured(0, "", signal="calm"), (NOT_SUPPORTED, None)),
        (chk("none", None), Measured(1, ""), (CONTEXT, None)),
    ],
)
def test_judge(check_: Check, measured: Measured, expected):
    assert claims.judge(check_, measured) == expected


@pytest.mark.parametrize(
    ("verdicts", "rule", "expected"),
    [
        ([SUPPORTED, SUPPORTED, CONTEXT], "all", SUPPORTED),
        ([SUPPORTED, NOT_SUPPORTED], "all", PARTLY),
        ([NOT_SUPPORTED, CANNOT_CHECK], "all", NOT_SUPPORTED),
        ([SUPPORTED, CANNOT_CHECK], "all", PARTLY),
        ([CANNOT_CHECK, CONTEXT], "all", CANNOT_CHECK),
        ([SUPPORTED, NOT_SUPPORTED], "any", PARTLY),
        ([SUPPORTED, CANNOT_CHECK], "any", SUPPORTED),
        ([NOT_SUPPORTED, CANNOT_CHECK], "any", CANNOT_CHECK),
        ([NOT_SUPPORTED, NOT_SUPPORTED], "any", NOT_SUPPORTED),
    ],
)
def test_combine(verdicts, rule, expected):
    assert claims.combine(verdicts, rule) == expected


# --- each claim, both ways -----------------------------------------------------------------


def test_deficit_claims():
    years = range(2019, 2026)
    assert verdict("deficit-range", {"fred_fyfsd": fyfsd(dict.fromkeys(years, 1600))}) == SUPPORTED
    assert verdict("deficit-range", {"fred_fyfsd": fyfsd({y: 1600 + 1000 * (y == 2020) for y in years})}) == PARTLY
    assert verdict("deficit-range", {"fred_fyfsd": fyfsd(dict.fromkeys(years, 1000))}) == NOT_SUPPORTED
    gap = check("deficit-range", {"fred_fyfsd": fyfsd({y: 1600 for y in years if y != 2022})})
    assert (gap.verdict, gap.checks[0].reason.code, gap.checks[0].reason.period) == (CANNOT_CHECK, "no_data", "FY2022")
    r = check("deficit-fy2025", {"fred_fyfsd": fyfsd({2025: 1780})})
    assert (r.verdict, r.headline.measured.value, r.headline.difference) == (SUPPORTED, 1780, -20)
    assert verdict("deficit-fy2025", {"fred_fyfsd": fyfsd({2025: 1700})}) == PARTLY
    assert verdict("deficit-fy2025", {"fred_fyfsd": fyfsd({2025: 1500})}) == NOT_SUPPORTED
    assert verdict("deficit-fy2025", {"fred_fyfsd": fyfsd({2024: 1800})}) == CANNOT_CHECK
    fell = check("deficit-fell", {"fred_fyfsd": fyfsd({2024: 1820, 2025: 1780})})
    assert (fell.verdict, [c.measured.value for c in fell.checks]) == (SUPPORTED, [-40, -2.2])
    assert verdict("deficit-fell", {"fred_fyfsd": fyfsd({2024: 1820, 2025: 1700})}) == PARTLY  # fell, but by 6.6%
    assert verdict("deficit-fell", {"fred_fyfsd": fyfsd({2024: 1820, 2025: 1900})}) == NOT_SUPPORTED


def test_claims_that_need_data_we_do_not_have():
    for cid, needs in (("tariffs", "mts_receipts"), ("leverage", "ofr_nccbr"), ("maturing-10t", "mspd_table3")):
        r = check(cid, {})
        assert (r.verdict, r.needs) == (CANNOT_CHECK, (needs,))
        present = check(cid, {needs: pd.DataFrame()})
        assert (present.verdict, present.checks[0].reason.code) == (CANNOT_CHECK, "not_read")
    r = check("maturing-10t", {"mspd_table1": bills({"2025-12-31": 20.0})})
    assert (r.verdict, r.checks[1].verdict, r.checks[1].measured.value) == (CANNOT_CHECK, CONTEXT, 20.0)  # bills: a lower bound


def test_cbo():
    assert verdict("cbo", {"research_estimates": research({"cbo_fy2025_deficit": (1900.0, "FY2025")})}) == SUPPORTED
    assert verdict("cbo", {"research_estimates": research({"cbo_fy2025_deficit": (2300.0, "FY2025")})}) == NOT_SUPPORTED
    r = check("cbo", {"research_estimates": research({}), "fred_fyfsd": fyfsd({2025: 1775})})
    assert (r.verdict, r.checks[0].reason.code, r.checks[0].reason.row) == (CANNOT_CHECK, "missing_row", "cbo_fy2025_deficit")
    assert (r.checks[1].verdict, r.checks[1].measured.value) == (CONTEXT, 1775)


def debt_tables(public_mn: float, total_pct: float, gdp: bool = True) -> dict[str, pd.DataFrame]:
    t = {
        "mspd_table1": mspd(
            [
                ("2025-12-31", "Total Public Debt Outstanding", "_", public_mn, public_mn * 1.25),
                ("2026-03-31", "Total Public Debt Outstanding", "_", 2 * public_mn, 0.0),
            ]
        ),  # later: not used
        "fred_gfdegdq188s": fred([("2025-10-01", total_pct), ("2026-01-01", 150.0)]),
    }
    if gdp:
        t["fred_gdp"] = fred([("2025-10-01", 30_500.0), ("2026-01-01", 30_600.0)])
    return t


def test_debt_gdp_two_readings_at_the_claims_date():
    r = check("debt-gdp", debt_tables(30_000_000, 99.0))
    assert (r.verdict, [c.measured.value for c in r.checks], [c.measured.date for c in r.checks]) == (
        SUPPORTED,
        [98.4, 99.0],
        ["2025-12-31", "2025-12-31"],
    )
    assert verdict("debt-gdp", debt_tables(30_000_000, 122.0)) == PARTLY
    assert verdict("debt-gdp", debt_tables(40_000_000, 130.0)) == NOT_SUPPORTED
    r = check("debt-gdp", debt_tables(30_000_000, 122.0, gdp=False))
    assert (r.verdict, r.needs) == (CANNOT_CHECK, ("fred_gdp",))


def test_bills_share_rising():
    r = check("bills", {"mspd_table1": bills({"2022-12-31": 15.0, "2023-12-31": 21.0, "2025-12-31": 22.0})})
    assert (r.verdict, r.headline.measured.value) == (SUPPORTED, 7.0)
    assert r.headline.measured.context["year_ends"] == {"2022-12-31": 15.0, "2023-12-31": 21.0, "2025-12-31": 22.0}
    assert verdict("bills", {"mspd_table1": bills({"2022-12-31": 22.0, "2025-12-31": 15.0})}) == NOT_SUPPORTED
    assert verdict("bills", {"mspd_table1": bills({"2022-12-31": 20.0, "2025-12-31": 20.4})}) == PARTLY  # within 0.5 pp


def test_lev_short_1t_all_six_and_short_term_only():
    march = ("2025-03-04", "2025-03-11")
    both = tff(dict.fromkeys(march, {"042601": 3_000_000, "044601": 5_000_000}))  # $600bn + $500bn
    r = check("lev-short-1t", {"cftc_tff_ust": both})
    assert (r.verdict, [c.measured.value for c in r.checks]) == (SUPPORTED, [1100.0, 1100.0])
    six_only = tff(dict.fromkeys(march, {"042601": 2_000_000, "044601": 3_000_000, **dict.fromkeys(CODES[2:], 1_000_000)}))
    r = check("lev-short-1t", {"cftc_tff_ust": six_only})
    assert (r.verdict, [c.verdict for c in r.checks], [c.measured.value for c in r.checks]) == (
        PARTLY,
        [SUPPORTED, NOT_SUPPORTED],
        [1100.0, 700.0],
    )
    assert verdict("lev-short-1t", {"cftc_tff_ust": tff(dict.fromkeys(march, 500_000))}) == NOT_SUPPORTED  # $350bn
    none = check("lev-short-1t", {"cftc_tff_ust": tff({"2025-04-01": 500_000})})
    assert (none.verdict, none.checks[0].reason.period) == (CANNOT_CHECK, "2025-03-01…2025-03-31")


def test_lev_short_2020_is_the_level_of_24_march_with_the_year_beside_it():
    weeks = {"2020-01-07": 500.0, "2020-03-24": 660.0, "2020-06-02": 580.0}
    r = check("lev-short-2020", {"cftc_tff_ust": usd_weeks(weeks)})
    assert (r.verdict, r.headline.measured.value, r.headline.measured.date) == (SUPPORTED, 660.0, "2020-03-24")
    year = r.checks[1].measured
    assert (r.checks[1].verdict, year.value, year.context["min"], year.context["max"], year.context["weeks"]) == (
        CONTEXT,
        580.0,
        500.0,
        660.0,
        3,
    )
    assert verdict("lev-short-2020", {"cftc_tff_ust": usd_weeks({**weeks, "2020-03-24": 400.0})}) == NOT_SUPPORTED
    assert verdict("lev-short-2020", {"cftc_tff_ust": usd_weeks({"2020-03-17": 660.0})}) == CANNOT_CHECK  # that week is missing


def test_basis_total_is_at_most_partly_supported():
    base = {"2018-06-05": 600.0, "2019-06-04": 600.0}
    r = check("basis-total", {"cftc_tff_ust": usd_weeks({**base, "2025-01-07": 1200.0, "2025-02-04": 1200.0})})
    assert ([c.verdict for c in r.checks], r.verdict, r.checks[1].measured.value) == ([SUPPORTED, SUPPORTED], PARTLY, 2.0)
    assert verdict("basis-total", {"cftc_tff_ust": usd_weeks({**base, "2025-01-07": 800.0})}) == NOT_SUPPORTED


def test_cayman_claims():
    def tables(cayman: float, undercount: float, japan: float = 1061.5) -> dict[str, pd.DataFrame]:
        return {
            "tic_mfh": tic({("2024-12", "Cayman Islands"): cayman, ("2024-12", "Japan"): japan, ("2024-12", "Grand Total"): 9000.0}),
            "research_estimates": research({"cayman_hf_ust_undercount": (undercount, "2024-12")}),
        }

    r = check("cayman-185", tables(450.0, 1400.0))
    assert (r.verdict, [c.measured.value for c in r.checks]) == (SUPPORTED, [1850.0, 1400.0])
    assert verdict("cayman-185", tables(100.0, 1000.0)) == NOT_SUPPORTED
    rank = check("cayman-largest", tables(423.0, 1400.0))
    assert (rank.verdict, rank.headline.measured.value, rank.headline.measured.context["official_rank"]) == (SUPPORTED, 1.0, 2)
    assert verdict("cayman-largest", tables(423.0, 1400.0, japan=2000.0)) == NOT_SUPPORTED
    assert check("cayman-185", {"tic_mfh": tables(1, 1)["tic_mfh"]}).needs == ("research_estimates",)


def test_cayman_absorbed_cannot_be_checked_but_shows_the_context():
    t = {
        "mspd_table1": mspd(
            [("2021-12-31", "Total Marketable", "_", 0, 22_000_000), ("2024-12-31", "Total Marketable", "_", 0, 28_000_000)]
        ),
        "tic_mfh": tic({("2021-12", "Cayman Islands"): 263.0, ("2024-12", "Cayman Islands"): 423.0}),
    }
    r = check("cayman-absorbed", t)
    assert (r.verdict, r.checks[0].reason.code, r.checks[0].reason.key) == (CANNOT_CHECK, "not_measurable", "cayman_absorbed")
    assert [c.measured.value for c in r.checks[1:]] == [6000.0, 160.0]


def test_japan_weaker():
    def tables(japan: float, china: float) -> dict[str, pd.DataFrame]:
        return {
            "tic_mfh": tic(
                {
                    ("2024-12", "Japan"): 1061.5,
                    ("2025-12", "Japan"): japan,
                    ("2024-12", "China, Mainland"): 759.0,
                    ("2025-12", "China, Mainland"): china,
                    ("2024-12", "For. Official"): 3800.0,
                    ("2025-12", "For. Official"): 3900.0,
                }
            )
        }

    assert verdict("japan-weaker", tables(1000.0, 700.0)) == SUPPORTED
    assert verdict("japan-weaker", tables(1185.5, 683.5)) == PARTLY
    assert verdict("japan-weaker", tables(1185.5, 800.0)) == NOT_SUPPORTED
    earlier = {"tic_mfh": tic({("2024-12", "Japan"): 1061.5, ("2025-06", "Japan"): 1000.0})}  # the latest month by the date
    r = check("japan-weaker", earlier)
    assert (r.checks[0].verdict, r.checks[0].measured.date, r.checks[1].reason.detail) == (SUPPORTED, "2025-06", "China, Mainland")


def test_april_2025_deleveraging():
    def tables(end_bn: float) -> dict[str, pd.DataFrame]:
        return {"cftc_tff_ust": usd_weeks({"2025-04-01": 1200.0, "2025-04-15": 1190.0, "2025-04-29": end_bn})}

    r = check("april-2025", tables(1100.0))
    assert (r.verdict, r.headline.measured.value, r.headline.measured.date) == (SUPPORTED, -8.33, "2025-04-01…2025-04-29")
    assert verdict("april-2025", tables(1250.0)) == NOT_SUPPORTED
    assert verdict("april-2025", tables(1205.0)) == PARTLY  # within 1%
    gap = check("april-2025", {"cftc_tff_ust": usd_weeks({"2025-04-01": 1200.0, "2025-04-15": 1100.0})})
    assert (gap.verdict, gap.checks[0].reason.period) == (CANNOT_CHECK, "2025-04-30")  # no week within 7 days of it


def funding_tables(tight: bool, srf: bool = True) -> dict[str, pd.DataFrame]:
    days = pd.bdate_range("2024-01-01", "2025-12-31")
    weeks = pd.date_range("2024-01-03", "2025-12-31", freq="7D")
    n = len(weeks)
    t = {
        "fred_rrpontsyd": pd.DataFrame({"date": days, "value": 100.0 if tight else 1000.0}),
        "fred_wresbal": pd.DataFrame({"date": weeks, "value": [3_500_000.0 + (-1 if tight else 1) * 1000 * i for i in range(n)]}),
        "fred_sofr": pd.DataFrame({"date": days, "value": 4.45 if tight else 4.30}),
        "fred_iorb": pd.DataFrame({"date": days, "value": 4.40}),
    }
    if srf:
        t["nyfed_srf"] = fred([("2025-10-31", 50.0 if tight else 0.0), ("2025-11-03", 0.0)])
    return t


def test_funding_tight():
    r = check("funding-tight", funding_tables(True))
    assert (r.verdict, [c.measured.signal for c in r.checks[:3]], r.checks[3].measured.value) == (
        SUPPORTED,
        ["watch", "stressed", "watch"],
        50.0,
    )
    assert verdict("funding-tight", funding_tables(False)) == NOT_SUPPORTED
    r = check("funding-tight", funding_tables(True, srf=False))
    assert (r.verdict, r.needs) == (PARTLY, ("nyfed_srf",))


def test_a_signal_read_long_before_the_claim_s_date_does_not_settle_it():
    """A claim about late 2025 is not judged on funding data that end in mid-2024 (an edition of
    2024-06-30): each signal's reading must be no older than its release rule allows (the
    staleness limit of its slowest dataset), else the check cannot be made."""
    early = {k: v[v["date"] <= "2024-06-28"] for k, v in funding_tables(True, srf=False).items()}
    r = check("funding-tight", early)
    assert r.verdict == CANNOT_CHECK
    assert [(c.verdict, c.reason.code, c.reason.period) for c in r.checks[:3]] == [(CANNOT_CHECK, "no_data", "2025-12-31")] * 3
    recent = {k: v[v["date"] <= "2025-12-24"] for k, v in funding_tables(True).items()}  # a week before: still within the limits
    assert [c.measured.signal for c in check("funding-tight", recent).checks[:3]] == ["watch", "stressed", "watch"]


def test_qt_ending():
    def tables(recent: float, earlier: float) -> dict[str, pd.DataFrame]:
        return {
            "fred_walcl": fred(
                [
                    ("2024-09-25", 7_000_000.0),
                    ("2024-12-25", 7_000_000.0 + earlier * 1000),
                    ("2025-09-24", 6_600_000.0),
                    ("2025-12-31", 6_600_000.0 + recent * 1000),
                ]
            )
        }

    r = check("qt-ending", tables(-10.0, -200.0))
    assert (r.verdict, r.headline.measured.value) == (SUPPORTED, 190.0)
    assert verdict("qt-ending", tables(-200.0, -10.0)) == NOT_SUPPORTED
    assert check("qt-ending", {}).needs == ("fred_walcl",)


# --- shipped snapshots ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> dict[str, snapshot.Snapshot]:
    return {sid: snapshot.load(SHIPPED / sid) for sid in ("2025-12-31", "2026-10-09")}


def expected_verdicts(tables) -> dict[str, str]:
    """What the shipped data say; the claims that need datasets a snapshot may lack follow its contents."""
    return {
        "deficit-range": PARTLY,
        "deficit-fy2025": SUPPORTED,
        "deficit-fell": SUPPORTED,
        "tariffs": CANNOT_CHECK,
        "cbo": CANNOT_CHECK,
        "debt-gdp": PARTLY if "fred_gdp" in tables else CANNOT_CHECK,
        "bills": SUPPORTED,
        "lev-short-1t": PARTLY,
        "lev-short-2020": SUPPORTED,
        "basis-total": PARTLY,
        "leverage": CANNOT_CHECK,
        "cayman-185": SUPPORTED,
        "cayman-largest": SUPPORTED,
        "cayman-absorbed": CANNOT_CHECK,
        "japan-weaker": PARTLY,
        "april-2025": NOT_SUPPORTED,
        "funding-tight": SUPPORTED if "nyfed_srf" in tables else PARTLY,
        "maturing-10t": CANNOT_CHECK,
        "qt-ending": CANNOT_CHECK if "fred_walcl" not in tables else SUPPORTED,
    }


def test_shipped_verdicts(shipped):
    for snap in shipped.values():
        assert claims.check_claims(snap.tables, snap.id).verdicts() == expected_verdicts(snap.tables)
    r = claims.check_claims(shipped["2025-12-31"].tables)
    six, short = r.get("lev-short-1t").checks
    assert (six.measured.value, six.measured.date, short.measured.value) == (1161.1, "2025-03-18", 799.3)
    level, year = r.get("lev-short-2020").checks
    assert (level.measured.value, year.measured.value, year.measured.context["min"], year.measured.context["max"]) == (
        655.9,
        572.5,
        442.6,
        774.3,
    )
    assert r.get("cayman-185").headline.measured.value == 1823.0  # TIC Dec 2024 $423.0bn + the note's $1.4T


def test_verdicts_differ_where_the_data_differ(shipped):
    tables = dict(shipped["2025-12-31"].tables)
    first_published = tables["fred_fyfsd"].copy()
    first_published.loc[first_published["date"] == "2024-09-30", "value"] = -1_832_816.0  # FY2024 before FRED's revision
    tables["fred_fyfsd"] = first_published
    r = check("deficit-fell", tables)
    assert (r.verdict, r.checks[1].measured.value) == (PARTLY, -3.17)  # fell, but by more than 3%
    assert check("deficit-fell", shipped["2026-10-09"].tables).verdict == SUPPORTED
    early = {
        ds: snapshot.cut_as_of(datasets.get(ds), frame, pd.Timestamp("2025-06-30").date())
        for ds, frame in shipped["2025-12-31"].tables.items()
    }  # an edition of June 2025
    found = claims.check_claims(early).verdicts()
    assert (found["deficit-fy2025"], found["deficit-fell"], found["lev-short-1t"]) == (CANNOT_CHECK, CANNOT_CHECK, PARTLY)


# --- CLI -----------------------------------------------------------------------------------


def test_cli_json(shipped):
    result = runner.invoke(app, ["check-claims", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31", "--json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["check-claims", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31", "--json", "--lang", "en"])
    assert again.output == result.output  # the same snapshot gives the same bytes
    data = json.loads(result.output)
    assert (list(data), data["snapshot"], data["lang"]) == (["snapshot", "lang", "claims"], "2025-12-31", "en")
    assert [c["id"] for c in data["claims"]] == CLAIM_IDS
    fy = data["claims"][1]
    assert list(fy) == [
        "id",
        "refers_to",
        "date",
        "settled_by",
        "verdict",
        "value",
        "unit",
        "value_date",
        "claimed",
        "difference",
        "needs",
        "checks",
        "text",
        "period_text",
        "verdict_text",
        "reason",
        "note",
    ]
    assert {k: fy[k] for k in ("id", "verdict", "value", "unit", "value_date", "claimed", "difference", "verdict_text")} == {
        "id": "deficit-fy2025",
        "verdict": "supported",
        "value": 1774.7,
        "unit": "USD bn",
        "value_date": "FY2025",
        "claimed": 1800,
        "difference": -25.3,
        "verdict_text": "supported",
    }
    assert list(fy["checks"][0]) == [
        "id",
        "metric",
        "args",
        "comparison",
        "claimed",
        "tolerance",
        "unit",
        "value",
        "values",
        "date",
        "signal",
        "difference",
        "verdict",
        "reason_code",
        "needs",
        "context",
        "text",
        "verdict_text",
        "reason",
    ]
    tariffs = data["claims"][3]
    assert {k: tariffs[k] for k in ("verdict", "needs", "reason")} == {
        "verdict": "cannot_check",
        "needs": ["mts_receipts"],
        "reason": "needs the Monthly Treasury Statement's receipts, which this snapshot does not hold",
    }


def test_cli_text_in_chinese_by_default():
    result = runner.invoke(app, ["check-claims", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "数据快照 2025-12-31"
    assert "deficit-fy2025 · 成立 · 2025财年联邦赤字约为1.8万亿美元（2025财年）" in lines
    row = next(line for line in lines if line.startswith("  2025财年赤字"))
    assert row.split() == ["2025财年赤字", "1.77万亿美元", "2025财年", "约1.80万亿美元（±900亿美元）", "−250亿美元", "成立"]
    assert "      需要月度国库报表的财政收入，本快照中没有" in lines  # the dataset by its name, never its id


def test_cli_unknown_language():
    result = runner.invoke(app, ["check-claims", "--snapshots", str(SHIPPED), "--lang", "fr"])
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: no claim wording for language 'fr' (templates/locales/fr/claims.toml); available: en, zh\n",
    )
