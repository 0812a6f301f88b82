"""Wrong data is refused at fetch, in one line naming file, row and field, and nothing is written:
files that disagree, observations from the future, files cut short, implausible values, rows the
brief needs, and snapshots whose manifest or files are not what they claim."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from official_dir import FIXTURES, cftc_zip
from ustglass.app import app
from ustglass.sources.validate import today

runner = CliRunner()
TODAY = today().isoformat()
NEWEST = "2026-08-07"  # the snapshot the official directory makes: its CFTC report of 2026-08-04 came out on the 7th


def fetch(official: Path, snaps: Path, *args: str):
    return runner.invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(snaps), *args])


def refused(official: Path, tmp_path: Path, *args: str) -> str:
    """The one error line of a fetch that must fail, having checked that it wrote nothing."""
    snaps = tmp_path / "snaps"
    result = fetch(official, snaps, *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not snaps.exists() or sorted(p.name for p in snaps.iterdir()) == []
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def edit(path: Path, old: bytes, new: bytes, count: int = 1) -> None:
    data = path.read_bytes()
    assert old in data, old
    path.write_bytes(data.replace(old, new, count))


def week_txt(official: Path) -> bytes:
    return zipfile.ZipFile(official / "cftc" / "fut_fin_txt_2026.zip").read("FinFutYY.txt")


# --- two files that disagree ---------------------------------------------------------------


def test_cftc_files_that_disagree_are_refused(official: Path, tmp_path: Path) -> None:
    weekly = week_txt(official).replace(b",  516367,", b",  516000,", 1)  # the T-Bond leveraged short of 2026-08-04
    (official / "cftc" / "FinFutWk.txt").write_bytes(weekly)
    assert refused(official, tmp_path) == (
        "Error: cftc/fut_fin_txt_2026.zip:FinFutYY.txt, row 3, field 'Lev_Money_Positions_Short_All': 516367 on "
        "2026-08-04 / 020601 differs from cftc/FinFutWk.txt (516000); two files give different values for the same observation"
    )


def test_cftc_files_that_agree_are_combined(official: Path, tmp_path: Path) -> None:
    (official / "cftc" / "FinFutWk.txt").write_bytes(week_txt(official))
    snaps = tmp_path / "snaps"
    assert fetch(official, snaps).exit_code == 0
    manifest = json.loads((snaps / NEWEST / "manifest.json").read_text())["datasets"]["cftc_tff_ust"]
    assert manifest["rows"] == 12 and manifest["notes"] == []
    assert [o["file"] for o in manifest["original"]] == ["cftc/FinFutWk.txt", "cftc/fut_fin_txt_2020.zip", "cftc/fut_fin_txt_2026.zip"]


def slt(rows: dict[str, list[str]], months: list[str]) -> bytes:
    lines = [
        "Table 5: Major Foreign Holders of Treasury Securities",
        "(in billions of dollars)",
        "",
        "\t".join(["Country", *months]),
        *("\t".join([c, *v]) for c, v in rows.items()),
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_stale_tic_current_table_that_disagrees_is_refused(official: Path, tmp_path: Path) -> None:
    stale = slt(
        {"Japan": ["1200.1", "1200"], "Cayman Islands": ["427.6", "418.5"], "Grand Total": ["9359.3", "9230.2"]}, ["2025-11", "2025-10"]
    )
    (official / "tic" / "slt_table5.txt").write_bytes(stale)
    assert refused(official, tmp_path) == (
        "Error: tic/slt_table5.txt, row 5, field '2025-11': 1200.1 on 2025-11 / Japan differs from tic/mfhhis01.txt (1202.7); "
        "two files give different values for the same observation"
    )


def test_the_current_tic_table_revises_the_history_and_says_so(official: Path, tmp_path: Path) -> None:
    current = (FIXTURES / "slt_table5.txt").read_bytes().replace(b"Japan\t1185.5\t", b"Japan\t1190\t")
    (official / "tic" / "slt_table5.txt").write_bytes(current)
    snaps = tmp_path / "snaps"
    result = fetch(official, snaps)
    assert result.exit_code == 0, result.output
    note = (
        "revised: tic/slt_table5.txt supersedes tic/mfhhis01.txt for 1 observation(s), e.g. 2025-12 / Japan value: "
        "1185.5 -> 1190 (slt_table5.txt is TIC's current table, the latest release of the months it holds; "
        "mfhhis01.txt, the history, is republished later)"
    )
    meta = json.loads((snaps / NEWEST / "manifest.json").read_text())["datasets"]["tic_mfh"]
    assert meta["notes"] == [note]
    assert f"WARNING tic_mfh: {note} dataset=tic_mfh" in result.stderr
    from ustglass import snapshot

    tic = snapshot.load(snaps / NEWEST).table("tic_mfh").set_index(["month", "country"])["value"]
    assert tic[("2025-12", "Japan")] == 1190.0 and tic[("2025-11", "Japan")] == 1202.7
    assert tic[("2025-12", "For. Official")] == 3887.0  # the current table's "Of Which: Foreign Official"


# --- dates that cannot be known yet --------------------------------------------------------


def test_a_future_observation_is_refused(official: Path, tmp_path: Path) -> None:
    with open(official / "fred" / "SOFR.csv", "ab") as fh:
        fh.write(b"2099-01-02,3.70\n")
    assert refused(official, tmp_path) == (
        f"Error: fred/SOFR.csv, row 7, field 'observation_date': 2099-01-02 is in the future (today is {TODAY})"
    )


def test_a_future_month_is_refused(official: Path, tmp_path: Path) -> None:
    edit(official / "tic" / "mfhhis01.txt", b"Country\t2025", b"Country\t2099")
    assert refused(official, tmp_path) == f"Error: tic/mfhhis01.txt, row 10, field '2099-12': 2099-12 is in the future (today is {TODAY})"


@pytest.mark.parametrize("as_of", ["2099-01-01", "9999-12-31"])
def test_an_as_of_date_in_the_future_is_refused(official: Path, tmp_path: Path, as_of: str) -> None:
    assert refused(official, tmp_path, "--as-of", as_of) == f"Error: --as-of: {as_of} is in the future (today is {TODAY})"
    live = runner.invoke(app, ["fetch", "--snapshots", str(tmp_path / "live"), "--as-of", as_of])  # before any download
    assert (live.exit_code, live.stderr.strip()) == (1, f"Error: --as-of: {as_of} is in the future (today is {TODAY})")


# --- files cut short -----------------------------------------------------------------------


def test_a_fred_file_cut_inside_its_last_line_is_refused(official: Path, tmp_path: Path) -> None:
    path = official / "fred" / "SOFR.csv"
    path.write_bytes(path.read_bytes().removesuffix(b"72\n"))  # "2026-06-23,3." would read as 3.0
    assert refused(official, tmp_path) == "Error: fred/SOFR.csv, row 6: the last line has no line end: the file was cut short"


def test_a_cftc_file_cut_inside_its_last_line_is_refused(official: Path, tmp_path: Path) -> None:
    for cut in (400, 2):  # inside a number, and inside the last field ("FutOnl)
        (official / "cftc" / "FinFutWk.txt").write_bytes(week_txt(official)[:-cut])
        assert refused(official, tmp_path) == "Error: cftc/FinFutWk.txt, row 8: the last line has no line end: the file was cut short"
    (official / "cftc" / "FinFutWk.txt").write_bytes(week_txt(official)[:-400] + b"\n")  # cut, then a line end added
    assert refused(official, tmp_path) == "Error: cftc/FinFutWk.txt, row 8: expected 87 fields, found 42"


def test_tic_rows_cut_short_are_refused(official: Path, tmp_path: Path) -> None:
    current = (FIXTURES / "slt_table5.txt").read_bytes()
    (official / "tic" / "slt_table5.txt").write_bytes(current[: current.index(b"\t3875.8") + 4])  # "Of Which..." ends "387"
    assert refused(official, tmp_path) == ("Error: tic/slt_table5.txt, row 12: the last line has no line end: the file was cut short")
    history = official / "tic" / "mfhhis01.txt"
    (official / "tic" / "slt_table5.txt").unlink()
    edit(history, b"\t890.4\t886\n", b"\n")  # Japan's row of the 2011 block without its last two months
    line = refused(official, tmp_path)
    assert line.startswith("Error: tic/mfhhis01.txt, row ") and line.endswith(": expected 14 fields, found 12")


def test_an_mspd_total_cut_short_is_refused(official: Path, tmp_path: Path) -> None:
    path = official / "fiscaldata" / "MSPD_SumSecty_20260430_20260531.csv"
    data = path.read_bytes().rstrip(b"\n")
    total = data.rsplit(b",", 1)[1]
    path.write_bytes(data[: -len(total) + 3])
    line = refused(official, tmp_path)
    assert line.startswith("Error: fiscaldata/MSPD_SumSecty_20260430_20260531.csv, row ")
    assert ", field 'Total Public Debt Outstanding (in Millions)': total " in line
    assert "is not held by the public + intragovernmental (" in line


# --- implausible values and the rows the brief reads ---------------------------------------


@pytest.mark.parametrize(
    "series, old, new, expected",
    [
        (
            "WRESBAL",
            b"2026-06-10,3080723",
            b"2026-06-10,1e308",
            "row 3, field 'WRESBAL': implausible value 1e+308 on 2026-06-10 (expected between 0 and 100,000,000 millions of USD)",
        ),
        (
            "FYFSD",
            b"2024-09-30,-1815377",
            b"2024-09-30,-1e308",
            "row 7, field 'FYFSD': implausible value -1e+308 on 2024-09-30 (expected between -100,000,000 and 100,000,000 millions of USD)",
        ),
        (
            "RRPONTSYD",
            b"2026-06-22,4.1",
            b"2026-06-22,250000",
            "row 3, field 'RRPONTSYD': implausible value 250000 on 2026-06-22 (expected between 0 and 100,000 billions of USD)",
        ),
    ],
)
def test_every_dataset_has_an_upper_bound(official: Path, tmp_path: Path, series: str, old: bytes, new: bytes, expected: str) -> None:
    edit(official / "fred" / f"{series}.csv", old, new)
    assert refused(official, tmp_path) == f"Error: fred/{series}.csv, {expected}"


def test_a_renamed_country_the_brief_reads_is_refused(official: Path, tmp_path: Path) -> None:
    edit(official / "tic" / "mfhhis01.txt", b"Cayman Islands\t", b"Cayman Is.\t", count=-1)
    assert refused(official, tmp_path) == (
        "Error: tic/mfhhis01.txt, field 'country': no row for 'Cayman Islands' in 2025-12, the newest period; the brief reads it"
    )


def test_a_missing_contract_is_refused(official: Path, tmp_path: Path) -> None:
    lines = week_txt(official).split(b"\n")
    kept = b"\n".join(line for line in lines if b",020604," not in line)
    (official / "cftc" / "fut_fin_txt_2026.zip").write_bytes(cftc_zip(kept))
    assert refused(official, tmp_path) == (
        "Error: cftc/fut_fin_txt_2026.zip:FinFutYY.txt, field 'CFTC_Contract_Market_Code': no row for '020604' in 2026-08-04, "
        "the newest period; the brief reads it"
    )


def test_required_rows_are_checked_again_after_the_as_of_cut(official: Path, tmp_path: Path) -> None:
    # a current table whose May lacks the Cayman row: fine for the newest edition (June 2026, out on 18 August),
    # not for one of 20 July 2026, when May was the newest month published
    current = slt({"Japan": ["1190", "1180"], "Cayman Islands": ["430", ""], "Grand Total": ["9300", "9290"]}, ["2026-06", "2026-05"])
    (official / "tic" / "slt_table5.txt").write_bytes(current)
    assert fetch(official, tmp_path / "ok").exit_code == 0
    assert refused(official, tmp_path, "--as-of", "2026-07-20") == (
        "Error: tic_mfh as of 2026-07-20, field 'country': no row for 'Cayman Islands' in 2026-05, the newest period; the brief reads it"
    )


# --- the manifest is not trusted -----------------------------------------------------------


@pytest.fixture
def snaps(official: Path, tmp_path: Path) -> Path:
    root = tmp_path / "snaps"
    assert fetch(official, root).exit_code == 0
    return root


def report(snaps: Path, tmp_path: Path) -> str:
    result = runner.invoke(app, ["report", "--lang", "en", "--format", "md", "--snapshots", str(snaps), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def rewrite(snaps: Path, change) -> Path:  # noqa: ANN001
    path = snaps / NEWEST / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))
    return path


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda m: m["datasets"]["fred_sofr"].pop("sha256"), "dataset 'fred_sofr', field 'sha256': missing"),
        (lambda m: m["datasets"].update(fred_sofr="fred_sofr.csv"), "dataset 'fred_sofr': not an object but \"fred_sofr.csv\""),
        (lambda m: m["datasets"]["fred_iorb"].update(rows="many"), "dataset 'fred_iorb', field 'rows': not a number of rows: \"many\""),
        (lambda m: m.update(as_of="garbage"), "field 'as_of': not a date YYYY-MM-DD: \"garbage\""),
        (lambda m: m.update(as_of="9999-12-31"), "field 'as_of': not a date YYYY-MM-DD: \"9999-12-31\""),
        (
            lambda m: m["datasets"]["fred_sofr"].update(sha256="abc"),
            "dataset 'fred_sofr', field 'sha256': not a sha256 (64 hex digits): \"abc\"",
        ),
        (
            lambda m: m["datasets"]["fred_sofr"].update(file="../../etc/passwd"),
            "dataset 'fred_sofr', field 'file': not a file name inside the snapshot directory: \"../../etc/passwd\"",
        ),
        (lambda m: m["datasets"]["fred_sofr"].update(original="x"), "dataset 'fred_sofr', field 'original': not a list: \"x\""),
        (lambda m: m["datasets"]["fred_sofr"].update(rows=4), "dataset 'fred_sofr', field 'rows': 4, but fred_sofr.csv holds 5"),
        (lambda m: m.update(datasets=[]), "field 'datasets' missing"),
    ],
)
def test_a_malformed_manifest_is_one_error_line(snaps: Path, tmp_path: Path, change, problem: str) -> None:  # noqa: ANN001
    path = rewrite(snaps, change)
    assert report(snaps, tmp_path) == f"Error: {path}: {problem}"


def test_a_dataset_file_must_be_a_plain_file_inside_the_snapshot(snaps: Path, tmp_path: Path) -> None:
    csv = snaps / NEWEST / "fred_sofr.csv"
    outside = tmp_path / "sofr.csv"
    os.rename(csv, outside)
    os.symlink(outside, csv)
    assert report(snaps, tmp_path) == f"Error: {csv}: not a plain file inside the snapshot directory (a link or a directory)"


def test_the_snapshot_id_is_the_directory_name(snaps: Path, tmp_path: Path) -> None:
    rewrite(snaps, lambda m: m.update(snapshot="1999-01-01", as_of="1999-01-01"))
    from ustglass import history, snapshot

    assert snapshot.load(snaps / NEWEST).id == snapshot.load(snaps / NEWEST).as_of == NEWEST
    assert [i.id for i in history.list_snapshots(snaps)] == [NEWEST]


def test_fetch_verifies_the_files_of_an_existing_snapshot(official: Path, snaps: Path) -> None:
    csv = snaps / NEWEST / "fred_sofr.csv"
    csv.write_bytes(csv.read_bytes().replace(b"3.72", b"9.72"))  # the manifest still names the old sha256
    result = fetch(official, snaps)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {csv}: sha256 does not match manifest.json; the file was changed after the snapshot was written"
    )
    assert sorted(p.name for p in snaps.iterdir()) == [NEWEST]


def test_a_field_beyond_the_csv_limit_is_one_error_line(official: Path, tmp_path: Path) -> None:
    edit(official / "fred" / "SOFR.csv", b"2026-06-18,3.62", b"2026-06-18,3" + b"0" * 200_000)
    assert refused(official, tmp_path) == (
        "Error: fred/SOFR.csv, row 3: not readable as delimited text (field larger than field limit (131072))"
    )


def test_an_error_quotes_a_short_escaped_excerpt_of_the_file(official: Path, tmp_path: Path) -> None:
    edit(official / "fred" / "SOFR.csv", b"2026-06-18,3.62", b"2026-06-18,3" + b"x" * 5_000)
    assert refused(official, tmp_path) == (
        "Error: fred/SOFR.csv, row 3, field 'SOFR': not a number: '3xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… (5,001 characters)"
    )


def test_a_link_out_of_the_input_directory_is_refused_unread(official: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("observation_date,SOFR\nroot:x:0:0\n", encoding="utf-8")
    (official / "fred" / "SOFR.csv").unlink()
    (official / "fred" / "SOFR.csv").symlink_to(secret)
    assert refused(official, tmp_path) == (
        "Error: fred/SOFR.csv: is a symbolic link to a file outside the input directory; copy the file in instead"
    )


def test_a_file_larger_than_any_official_file_is_refused_unread(official: Path, tmp_path: Path) -> None:
    with (official / "fred" / "SOFR.csv").open("ab") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: no disk is used
    assert refused(official, tmp_path) == "Error: fred/SOFR.csv: is 65 MB, more than 64 MB; no official file is that large"


def test_a_zip_member_that_inflates_past_the_cap_is_refused(official: Path, tmp_path: Path) -> None:
    import io

    target = next((official / "cftc").glob("*.zip"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("FinFut26.txt", b"\0" * (65 * 1024 * 1024))  # 65 MB of zeros: a small archive
    target.write_bytes(buf.getvalue())
    assert refused(official, tmp_path) == (
        f"Error: cftc/{target.name}: FinFut26.txt inflates to more than 64 MB; no official file is that large"
    )
