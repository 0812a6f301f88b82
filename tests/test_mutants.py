"""Tests that bite: each one fails on a deliberate, plausible bug that the rest of the suite let through.

A review changed the code by hand and found these changes survived every other test. Each
``test_mutant_<what>`` below fails on its mutant and passes on the real code (each was proved so
by applying the mutant by hand). They test through public behaviour (``ustglass fetch`` and
``ustglass report`` runs, snapshot files on disk, ``key_figures.json``, ``render.markdown_to_html``)
so that they survive refactors of the modules behind it.

mutant                                                         test that kills it
-------------------------------------------------------------  ------------------------------------------------------
fiscal year counted from 31 December instead of 30 September   test_mutant_fiscal_year_ends_on_30_september
  (``releases.end_of_period``: FISCAL_YEAR -> the year's 31 December)
the older of two overlapping CFTC files wins                   test_mutant_older_cftc_file_wins_an_overlap
  (``ingest.choose``: ``drop_duplicates(keep="first")``)
the older of two overlapping TIC files wins                    test_mutant_older_tic_file_wins_an_overlap
SOFR − IORB spread of exactly 0 reads "above"                  test_mutant_zero_spread_reads_at
  (``metrics.funding``: ``"above" if latest_spread >= 0``)
year-earlier tolerance widened from 16 to 60 days              test_mutant_year_earlier_tolerance_is_16_days
  (``metrics._year_earlier``: ``pd.Timedelta(days=60)``)
``pipeline.write`` overwrites in place instead of renaming     test_mutant_report_replaces_files_instead_of_overwriting
  (``target.write_bytes(data)`` or ``shutil.copyfile``)
``adopt`` copies the staged snapshot instead of renaming it    test_mutant_snapshot_appears_by_one_rename
  (``shutil.copytree(staged, target)``)
a figure's alt text not escaped in its chart's aria-label      test_mutant_image_alt_text_is_escaped
  (``render.inline_svg``: ``aria-label="{label}"``)
a stage imports a later stage, relatively                      tests/test_layout.py::test_stages_import_only_what_stands_before_them
  (``from . import snapshot, charts`` in metrics.py)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import golden
import official_dir
from ustglass.app import app

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def fetch(official: Path, snaps: Path, *args: str) -> str:
    """``ustglass fetch --from-dir`` into ``snaps``; the snapshot id it wrote."""
    result = runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(snaps), *args])
    assert result.exit_code == 0, result.output
    (snapshot_id,) = [p.name for p in snaps.iterdir() if not p.name.startswith(".")]
    return snapshot_id


def report(snaps: Path, out: Path) -> tuple[dict, str]:
    """``ustglass report`` (English Markdown) from the newest snapshot: key_figures.json and the brief."""
    result = runner.invoke(app, ["report", "--format", "md", "--lang", "en", "--snapshots", str(snaps), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / "key_figures.json").read_text(encoding="utf-8")), (out / "brief.en.md").read_text(encoding="utf-8")


def fred(official: Path, series: str, rows: list[tuple[str, str]]) -> None:
    (official / "fred" / f"{series}.csv").write_text(official_dir.fred_csv(series, rows), encoding="utf-8")


def snapshot_rows(path: Path, dataset: str) -> list[dict[str, str]]:
    import csv

    with open(path / f"{dataset}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- the as-of cut: a fiscal year ends on 30 September ---------------------------------------


@pytest.mark.parametrize(
    ("as_of", "latest_fy"),
    [("2026-09-30", "2025"), ("2026-10-12", "2025"), ("2026-10-13", "2026"), ("2026-11-15", "2026"), ("2026-11-30", "2026")],
)
def test_mutant_fiscal_year_ends_on_30_september(official: Path, tmp_path: Path, as_of: str, latest_fy: str) -> None:
    """FY2026 ended on 2026-09-30 and its deficit came with the September Monthly Treasury Statement, on the
    8th business day of October (13 October 2026, after Columbus Day): an edition from then on reports it,
    one of 12 October does not (nor one of 30 September, under the mutant's year end either)."""
    fred(official, "FYFSD", [*official_dir.FRED["FYFSD"], ("2026-09-30", "-1900000")])
    snaps = tmp_path / "snaps"
    assert fetch(official, snaps, "--as-of", as_of) == as_of
    fyfsd = snapshot_rows(snaps / as_of, "fred_fyfsd")
    assert fyfsd[-1]["date"] == f"{latest_fy}-09-30"
    if as_of == "2026-11-15":  # the brief itself, once: the latest fiscal year and its deficit
        kf, brief = report(snaps, tmp_path / "out")
        assert (kf["fiscal"]["latest_fy"], kf["fiscal"]["latest_deficit"]["value"]) == ("2026", 1900.0)
        assert "The federal government ran a deficit of $1.9 trillion in FY2026" in brief


# --- overlapping files: the older one never wins ---------------------------------------------


def _cftc_fields(line: str, lev_short: int | None = None, week: tuple[str, str] | None = None) -> str:
    fields = line.split(",")
    if lev_short is not None:  # Lev_Money_Positions_Short_All, padded as CFTC pads it
        fields[15] = f"{lev_short:>{len(fields[15])}}"
    if week is not None:
        fields[1], fields[2] = week
    return ",".join(fields)


def test_mutant_older_cftc_file_wins_an_overlap(official: Path, tmp_path: Path) -> None:
    """A weekly file reaching a week further than the yearly zip, and disagreeing on the T-Bond short of
    2026-08-04: the snapshot never holds the yearly zip's value (it takes the newer file's, or refuses)."""
    lines = (official_dir.FIXTURES / "FinFutYY.txt").read_text(encoding="utf-8").split("\n")
    header, rows = lines[0], [line for line in lines[1:] if "UST" in line]
    assert len(rows) == 6 and any(",020601," in r for r in rows)
    this_week = [_cftc_fields(r, 600000 if ",020601," in r else None) for r in rows]
    next_week = [_cftc_fields(r, week=("260811", "2026-08-11")) for r in rows]
    (official / "cftc" / "FinFutWk.txt").write_text("\n".join([header, *this_week, *next_week]) + "\n", encoding="utf-8")
    snaps = tmp_path / "snaps"
    result = runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(snaps)])
    if result.exit_code == 0:
        tff = snapshot_rows(snaps / "2026-08-14", "cftc_tff_ust")  # the report of 2026-08-11, out on Friday the 14th
        bond = {r["report_date"]: r["lev_short"] for r in tff if r["contract_code"] == "020601"}
        assert bond == {"2020-11-24": "516367", "2026-08-04": "600000", "2026-08-11": "516367"}
    else:  # refusing the disagreement is right too, as long as both files are named and nothing is written
        assert result.exit_code == 1 and result.output.startswith("Error: ")
        assert "cftc/FinFutWk.txt" in result.output and "cftc/fut_fin_txt_2026.zip" in result.output
        assert [p.name for p in snaps.glob("*") if not p.name.startswith(".")] == []


def test_mutant_older_tic_file_wins_an_overlap(official: Path, tmp_path: Path) -> None:
    """slt_table5.txt reaching a month further than mfhhis01.txt and disagreeing on Japan 2025-12: the
    snapshot never holds the history file's value."""
    lines = (official_dir.FIXTURES / "slt_table5.txt").read_bytes().decode("utf-8").split("\r\n")
    table = []
    for line in lines:
        cells = line.split("\t")
        if cells[0] == "Country":
            cells.insert(1, "2026-01")
        elif len(cells) > 1 and cells[1].strip():
            if cells[0] == "Japan":
                cells[1] = "1111.1"  # the history file says 1185.5
            cells.insert(1, str(round(float(cells[1]) + 1, 1)))
        table.append("\t".join(cells))
    (official / "tic" / "slt_table5.txt").write_bytes("\r\n".join(table).encode("utf-8"))
    snaps = tmp_path / "snaps"
    result = runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(snaps)])
    if result.exit_code == 0:
        (snapshot_id,) = [p.name for p in snaps.iterdir() if not p.name.startswith(".")]
        japan = {r["month"]: r["value"] for r in snapshot_rows(snaps / snapshot_id, "tic_mfh") if r["country"] == "Japan"}
        assert (japan["2025-12"], japan["2026-01"], japan["2025-11"]) == ("1111.1", "1112.1", "1202.7")
    else:
        assert result.exit_code == 1 and result.output.startswith("Error: ")
        assert "tic/slt_table5.txt" in result.output and "tic/mfhhis01.txt" in result.output
        assert [p.name for p in snaps.glob("*") if not p.name.startswith(".")] == []


# --- funding: a spread of exactly zero, the year-earlier window ------------------------------


def test_mutant_zero_spread_reads_at(official: Path, tmp_path: Path) -> None:
    """SOFR equal to IORB on the latest day: SOFR is *at* IORB, in the key figures and in the prose."""
    sofr = [*official_dir.FRED["SOFR"][:-1], ("2026-06-23", "3.65")]  # IORB is 3.65 that day
    fred(official, "SOFR", sofr)
    snaps = tmp_path / "snaps"
    fetch(official, snaps)
    kf, brief = report(snaps, tmp_path / "out")
    assert kf["funding"]["sofr_iorb_bp"]["value"] == 0.0
    assert kf["funding"]["sofr_iorb_direction"] == "at"
    assert "SOFR was 0 bp at IORB" in brief
    assert "Repo trading above IORB" not in brief


@pytest.mark.parametrize(
    ("earlier", "found"), [("2025-07-03", True), ("2025-06-01", True), ("2025-07-04", False), ("2025-05-31", False), ("2025-08-01", False)]
)
def test_mutant_year_earlier_tolerance_is_16_days(official: Path, tmp_path: Path, earlier: str, found: bool) -> None:
    """Reserves a year earlier: the observation within 16 days of one year before the latest (2026-06-17)."""
    fred(official, "WRESBAL", [(earlier, "3400000"), ("2026-06-10", "3080723"), ("2026-06-17", "3033444")])
    snaps = tmp_path / "snaps"
    fetch(official, snaps)
    kf, brief = report(snaps, tmp_path / "out")
    then = kf["funding"]["reserves_year_earlier_usd_bn"]
    if found:
        assert then == {"value": 3400.0, "as_of": earlier, "unit": "billions of USD", "source": "FRED WRESBAL"}
        assert "they fell from $3.4 trillion a year earlier" in brief
    else:
        assert then is None
        assert "a year earlier" not in brief.split("Reserve balances were", 1)[1].split("\n", 1)[0]


# --- writing: files are switched in by rename, never rewritten in place ----------------------


def test_mutant_report_replaces_files_instead_of_overwriting(tmp_path: Path) -> None:
    """A reader holding the previous brief (here: a hard link to it, as a published copy may be) keeps
    the previous bytes; the new brief is a new file switched in by rename, not the old one rewritten."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "brief.en.md").write_text("previous brief\n", encoding="utf-8")
    (out / "key_figures.json").write_text("{}\n", encoding="utf-8")
    os.link(out / "brief.en.md", tmp_path / "held.md")
    os.link(out / "key_figures.json", tmp_path / "held.json")
    result = runner.invoke(
        app,
        [
            "report",
            "--format",
            "md",
            "--lang",
            "en",
            "--snapshots",
            str(REPO / "data_snapshots"),
            "--snapshot",
            "2025-12-31",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "held.md").read_text(encoding="utf-8") == "previous brief\n"
    assert (tmp_path / "held.json").read_text(encoding="utf-8") == "{}\n"
    assert (out / "brief.en.md").read_text(encoding="utf-8") == (golden.GOLDEN / "brief.en.md").read_text(encoding="utf-8")
    assert not (out / "brief.en.md").samefile(tmp_path / "held.md")


AUDIT = textwrap.dedent("""
    import json, os, sys
    watch, log = os.path.realpath(sys.argv[1]), open(sys.argv[2], "w", encoding="utf-8")
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def real(path):
        return os.path.realpath(os.fsdecode(path)) if isinstance(path, (str, bytes, os.PathLike)) else None

    def hook(event, args):
        if event == "open" and real(args[0]) and (args[2] or 0) & WRITE and real(args[0]).startswith(watch):
            print(json.dumps(["write", real(args[0])]), file=log, flush=True)
        elif event in ("os.rename", "os.replace", "shutil.move", "shutil.copytree", "shutil.copyfile"):
            print(json.dumps([event, real(args[0]), real(args[1])]), file=log, flush=True)

    sys.addaudithook(hook)
    sys.argv = ["ustglass", *sys.argv[3:]]
    from ustglass.app import main
    main()
""")


def audited(watch: Path, *args: str) -> list[list[str]]:
    """Run ``ustglass ARGS`` in a fresh interpreter; return its file writes under ``watch`` and its renames."""
    log = watch.parent / "audit.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO / "cli")}
    done = subprocess.run([sys.executable, "-c", AUDIT, str(watch), str(log), *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_mutant_snapshot_appears_by_one_rename(official: Path, tmp_path: Path) -> None:
    """A new snapshot directory comes into being by one rename of a finished directory: no file inside
    the published ``<snapshots>/<id>/`` is ever opened for writing, so a reader never sees it half made."""
    snaps = tmp_path / "snaps"
    events = audited(snaps, "fetch", "--from-dir", str(official), "--snapshots", str(snaps))
    final = os.path.realpath(snaps / "2026-08-07")
    assert (snaps / "2026-08-07" / "manifest.json").is_file()
    assert [e for e in events if e[0] == "write" and (e[1] == final or e[1].startswith(final + os.sep))] == []
    arrivals = [e for e in events if e[0] in ("os.rename", "os.replace") and e[2] == final]
    assert len(arrivals) == 1 and Path(arrivals[0][1]).parent.is_relative_to(os.path.realpath(snaps))


# --- HTML: alt text is data, escaped ---------------------------------------------------------


def test_mutant_image_alt_text_is_escaped(tmp_path: Path) -> None:
    """A figure's alt text ([brief.alt] of the pack) with quotes, angle brackets and an ampersand
    stays inside the chart's aria-label on the web page: it is data, never markup."""
    from ustglass import pipeline
    from ustglass.config import Format, ReportConfig

    alt = 'Deficits "FY" <script>alert(1)</script> & more" onerror="x'
    pack = tmp_path / "mine" / "locales" / "en"
    pack.mkdir(parents=True)
    shipped = (REPO / "templates" / "locales" / "en" / "locale.toml").read_text(encoding="utf-8")
    line = next(ln for ln in shipped.splitlines() if ln.startswith("deficits = ") and "Bar chart" in ln)
    (pack / "locale.toml").write_text(shipped.replace(line, f"deficits = {json.dumps(alt)}"), encoding="utf-8")
    cfg = ReportConfig(
        langs=("en",),
        formats=(Format.html,),
        snapshots_root=REPO / "data_snapshots",
        out_dir=tmp_path / "out",
        snapshot="2025-12-31",
        figures=("deficits",),
        templates_dir=tmp_path / "mine",
    )
    page = pipeline.build(cfg).files["brief.en.html"].decode("utf-8")
    label = 'aria-label="Deficits &quot;FY&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; more&quot; onerror=&quot;x"'
    assert f'<svg class="chart" role="img" {label}' in page
    assert "<script" not in page and 'onerror="' not in page
