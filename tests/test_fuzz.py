"""Every official format, mutated: cut at random points, bytes flipped, rows duplicated or swapped,
dates moved into the future, huge values, wrong encodings. Each mutant must end in one clean
``InputError`` line or give exactly the right data (what the mutated file says, no more); never
a traceback, and a fetch that fails writes nothing. Seeded, so every run tries the same mutants."""

from __future__ import annotations

import io
import math
import random
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from official_dir import FIXTURES, cftc_zip
from ustglass import datasets
from ustglass.app import app
from ustglass.errors import InputError
from ustglass.sources import fiscaldata, parse_file
from ustglass.sources.validate import check_frame

SEED = 20261201
CUTS, FLIPS = 40, 40
TEXT_FILES = (
    "FYFSD.csv", "SOFR.csv", "FDHBFIN.csv", "FinFutYY.txt", "socrata_gpe5-46if_levmoney_2020_gapweeks.csv", "mfhhis01.txt",
    "slt_table5.txt", "MSPD_SumSecty_20260430_20260531.csv", "DTS_OpCashBal_20220414_20260623.csv",
    "DTS_OpCashBal_20210929_20211001.csv",
)  # fmt: skip
ZIP = "fut_fin_txt_2026.zip"
PAGES = {  # endpoint: parser, dataset, an amount field it reads
    "mspd_table_1": (fiscaldata.parse_mspd_table1_json, datasets.MSPD, b"total_mil_amt"),
    "operating_cash_balance": (fiscaldata.parse_dts_cash_json, datasets.DTS_TGA, b"open_today_bal"),
}
NO_LINE_END = ("MSPD_SumSecty_", "DTS_OpCashBal_")  # Fiscal Data downloads may end without a line end
DATE = re.compile(rb"(?<![\d-])(19|20)\d\d-\d\d-\d\d(?![\d-])")
NUMBER = re.compile(rb"(?<![\w.-])\d+\.\d+(?![\w.])")

Rows = Counter[tuple[object, ...]]


def cell(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def by_line(frame: pd.DataFrame, columns: list[str] | None = None) -> dict[int, Rows]:
    """The rows of a parsed frame grouped by the line of the file they were read from."""
    cols = columns or list(frame.columns)
    out: dict[int, Rows] = {}
    for line, row in zip(frame.attrs["lines"], frame[cols].itertuples(index=False), strict=True):
        out.setdefault(line, Counter())[tuple(cell(v) for v in row)] += 1
    return out


def rows(frame: pd.DataFrame) -> Rows:
    return Counter(tuple(cell(v) for v in row) for row in frame.itertuples(index=False))


def read(name: str, data: bytes) -> pd.DataFrame:
    """What fetch --from-dir makes of one file: parsed and checked (InputError when refused)."""
    parsed = parse_file(name, data)
    assert parsed is not None, f"{name} no longer recognised"
    _kind, dataset_id, frame = parsed
    if dataset_id in datasets.ALL:
        check_frame(datasets.get(dataset_id), frame, name)
    return frame


def outcome(func: Callable[..., pd.DataFrame], *args: object) -> pd.DataFrame | None:
    """The frame, or None for a clean refusal: an InputError of one line. Anything else fails the test."""
    try:
        return func(*args)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc), repr(exc)
        return None


def data_lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


# --- the mutants --------------------------------------------------------------------------


def cuts(rng: random.Random, data: bytes) -> list[bytes]:
    return [data[: rng.randrange(1, len(data))] for _ in range(CUTS)]


def flips(rng: random.Random, data: bytes) -> list[tuple[int, bytes]]:
    """(line, mutant): one byte changed, never to or from a line end (line numbers stay put)."""
    out = []
    while len(out) < FLIPS:
        at = rng.randrange(len(data))
        new = data[at] ^ rng.randrange(1, 256)
        if data[at] in b"\r\n" or new in b"\r\n":
            continue
        out.append((data.count(b"\n", 0, at) + 1, data[:at] + bytes([new]) + data[at + 1 :]))
    return out


def swapped_neighbours(rng: random.Random, data: bytes, lines: set[int]) -> list[bytes]:
    """Two adjacent data lines swapped (within a block, a table, a day)."""
    parts = data_lines(data)
    pairs = [i for i in range(len(parts) - 1) if i + 1 in lines and i + 2 in lines and parts[i] != parts[i + 1]]
    out = []
    for i in rng.sample(pairs, min(2, len(pairs))):
        copy = list(parts)
        copy[i], copy[i + 1] = parts[i + 1], parts[i]
        out.append(b"".join(copy))
    return out


def duplicated(rng: random.Random, data: bytes, lines: set[int]) -> list[bytes]:
    parts = data_lines(data)
    out = []
    for line in rng.sample(sorted(lines), min(2, len(lines))):
        copy = list(parts)
        copy.insert(line, parts[line - 1] if parts[line - 1].endswith(b"\n") else parts[line - 1] + b"\n")
        out.append(b"".join(copy))
    return out


def future(data: bytes) -> bytes:
    """The newest date (or, for TIC, the newest year) moved to 2099."""
    dates = DATE.findall(data) and [m.group() for m in DATE.finditer(data)]
    if dates:
        newest = max(dates)
        return data.replace(newest, b"2099" + newest[4:])
    return re.sub(rb"Country\t(\d{4})", rb"Country\t2099", data, count=1)


def huge(rng: random.Random, data: bytes, lines: set[int]) -> list[bytes]:
    """A number on a data line replaced by 1e308."""
    parts = data_lines(data)
    out = []
    for line in rng.sample(sorted(lines), min(3, len(lines))):
        numbers = list(NUMBER.finditer(parts[line - 1])) or list(re.finditer(rb"(?<=[\t,])\s*\d+(?=\s*[\t,\r\n])", parts[line - 1]))
        if numbers:
            m = rng.choice(numbers)
            copy = list(parts)
            copy[line - 1] = parts[line - 1][: m.start()] + b"1e308" + parts[line - 1][m.end() :]
            out.append(b"".join(copy))
    return out


def encodings(rng: random.Random, data: bytes, lines: set[int]) -> list[tuple[str, bytes]]:
    text = data.decode("utf-8-sig")
    parts = data_lines(data)
    line = rng.choice(sorted(lines))
    latin = b"".join(p[:1] + b"\xe9" + p[1:] if i == line - 1 else p for i, p in enumerate(parts))
    return [("utf-16", text.encode("utf-16")), ("utf-32", text.encode("utf-32")), ("latin-1 byte", latin),
            ("same", b"\xef\xbb\xbf" + text.encode("utf-8"))]  # fmt: skip


# --- the oracle ---------------------------------------------------------------------------


def only_line_changed(original: pd.DataFrame, got: pd.DataFrame, line: int, name: str) -> None:
    """Every row not read from ``line`` is exactly as before. A flip on a header line may relabel
    rows or drop a column (a month named twice keeps its first column), never change a value.
    Before 2022-04-18 a DTS day's closing balance is the next statement's opening, read from
    another line: a flip there may take that balance from the day, never give it to another."""
    derived = name.startswith("DTS_OpCashBal_")
    header = line not in set(original.attrs["lines"])
    values = None if not (header or derived) else [c for c in got.columns if c not in ("date", "report_date", "record_date", "month")]
    before, after = by_line(original, values), by_line(got, values)
    for where in set(before) | set(after):
        if where == line:
            continue
        if header or derived:
            assert not after.get(where, Counter()) - before.get(where, Counter()), f"line {where} changed by a flip on line {line}"
        else:
            assert after.get(where) == before.get(where), f"line {where} changed by a flip on line {line}"


def subset(original: pd.DataFrame, got: pd.DataFrame, name: str, mutant: bytes) -> None:
    """A file cut short gives fewer rows, never different ones (Fiscal Data downloads, which may end
    without a line end, can lose digits after the decimal point of their last field: see MSPD_ROUNDING)."""
    before, after = by_line(original), by_line(got)
    last = mutant.count(b"\n") + 1
    for where, found in after.items():
        if found == before.get(where):
            continue
        assert name.startswith(NO_LINE_END) and where == last, f"row on line {where} changed by cutting the file"
        (mine,), (theirs,) = found, before[where]
        assert mine[:-1] == theirs[:-1] and abs(mine[-1] - theirs[-1]) <= fiscaldata.MSPD_ROUNDING


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", TEXT_FILES)
def test_mutated_text_formats(name: str) -> None:
    rng = random.Random(f"{SEED}-{name}")
    data = fixture(name)
    original = read(name, data)
    lines = set(original.attrs["lines"])
    for mutant in cuts(rng, data):
        if (got := outcome(read, name, mutant)) is not None:
            subset(original, got, name, mutant)
    used = parse_file(name, data)[1] in datasets.ALL  # type: ignore[index]
    for line, mutant in flips(rng, data):
        if (got := outcome(read, name, mutant)) is not None:
            only_line_changed(original, got, line, name)
    for mutant in swapped_neighbours(rng, data, lines):
        got = outcome(read, name, mutant)
        assert got is None or rows(got) == rows(original), "swapped rows changed the data"
    for mutant in duplicated(rng, data, lines):
        assert outcome(read, name, mutant) is None, "a duplicated row was accepted"
    if used:  # fetch checks dates and ranges of the datasets the brief uses (FDHBFIN and Socrata's subset are not)
        assert outcome(read, name, future(data)) is None, "a future date was accepted"
        for mutant in huge(rng, data, lines):  # 1e308 in a column ustglass reads is refused; elsewhere it changes nothing
            got = outcome(read, name, mutant)
            assert got is None or rows(got) == rows(original), "1e308 was read"
    for encoding, mutant in encodings(rng, data, lines):
        got = outcome(read, name, mutant)
        assert (got is not None and rows(got) == rows(original)) if encoding == "same" else got is None, encoding


def test_mutated_zip_archive() -> None:
    rng = random.Random(f"{SEED}-zip")
    txt = fixture("FinFutYY.txt")
    data = cftc_zip(txt)
    original = read(ZIP, data)
    for mutant in [*cuts(rng, data), *(m for _, m in flips(rng, data))]:
        got = outcome(read, ZIP, mutant)
        assert got is None or rows(got) == rows(original), "a damaged archive gave other data"
    for mutant in [future(txt), txt.decode().encode("utf-16")]:
        assert outcome(read, ZIP, cftc_zip(mutant)) is None
    for mutant in huge(rng, txt, set(original.attrs["lines"])):
        got = outcome(read, ZIP, cftc_zip(mutant))
        assert got is None or rows(got) == rows(original), "1e308 was read"
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("FinFutYY.txt", txt)
        zf.writestr("FinFut25.txt", txt)
    assert outcome(read, ZIP, two.getvalue()) is None


@pytest.mark.parametrize("endpoint", sorted(PAGES))
def test_mutated_api_pages(endpoint: str) -> None:
    rng = random.Random(f"{SEED}-{endpoint}")
    parse, spec, amount = PAGES[endpoint]
    pages = [p.read_bytes() for p in sorted(FIXTURES.glob(f"{endpoint}_page*.json"))]

    def run(mutated: list[bytes]) -> pd.DataFrame:
        frame = parse(mutated, f"fiscaldata/{endpoint}.json")
        check_frame(spec, frame, f"fiscaldata/{endpoint}.json")
        return frame

    original = run(pages)
    for i, page in enumerate(pages):

        def swap(mutant: bytes, i: int = i) -> list[bytes]:
            return [mutant if j == i else p for j, p in enumerate(pages)]

        for mutant in cuts(rng, page):
            got = outcome(run, swap(mutant))
            assert got is None or rows(got) == rows(original), "a cut page gave other data"
        for _, mutant in flips(rng, page):
            got = outcome(run, swap(mutant))
            if got is not None:  # one byte changes one record at most: one observation replaced by another
                assert sum(((rows(got) - rows(original)) + (rows(original) - rows(got))).values()) <= 2
        for mutant in [future(page), page.decode().encode("utf-16")]:
            assert outcome(run, swap(mutant)) is None
        for big in re.finditer(b'"' + amount + b'": "[^"]+"', page):  # 1e308 where ustglass reads it is refused
            mutant = page[: big.start()] + b'"' + amount + b'": "1e308"' + page[big.end() :]
            got = outcome(run, swap(mutant))
            assert got is None or rows(got) == rows(original), "1e308 was read"


def test_mutated_nyfed_answer() -> None:
    """The NY Fed's JSON: a cut answer is no JSON; one byte changed moves one operation at most (its
    date, type or amount: two days' totals); operations in another order are the same days."""
    name = "nyfed/rp_results_2025-12-29_2026-01-02.json"
    rng = random.Random(f"{SEED}-nyfed")
    data = fixture("rp_results_2025-12-29_2026-01-02.json")
    original = read(name, data)
    for mutant in cuts(rng, data):
        got = outcome(read, name, mutant)
        assert got is None or rows(got) == rows(original), "a cut answer gave other data"
    for _, mutant in flips(rng, data):
        if (got := outcome(read, name, mutant)) is not None:
            assert sum(((rows(got) - rows(original)) + (rows(original) - rows(got))).values()) <= 4
    blocks = data.split(b"},\n")  # the operations as the answer lists them, in another order
    rng.shuffle(middle := blocks[1:-1])
    assert rows(read(name, b"},\n".join([blocks[0], *middle, blocks[-1]]))) == rows(original)
    for mutant in (future(data), data.decode().encode("utf-16")):
        assert outcome(read, name, mutant) is None
    refused = 0
    for big in re.finditer(rb'"totalAmtAccepted": \d+', data):  # refused in a Repo operation, unread in a Reverse Repo one
        mutant = data[: big.start()] + b'"totalAmtAccepted": 1e308' + data[big.end() :]
        got = outcome(read, name, mutant)
        assert got is None or rows(got) == rows(original), "1e308 was read"
        refused += got is None
    assert refused == 8  # the eight Repo operations
    assert rows(read(name, b"\xef\xbb\xbf" + data)) == rows(original)


# --- end to end: a refused file writes nothing ---------------------------------------------


@pytest.mark.parametrize("rel, mutate", [
    ("fred/SOFR.csv", lambda d: d[:-3]),
    ("fred/IORB.csv", lambda d: d.decode().encode("utf-16")),
    ("cftc/fut_fin_txt_2026.zip", lambda d: d[: len(d) // 2]),
    ("tic/mfhhis01.txt", lambda d: d.replace(b"Grand Total\t9271\t", b"Grand Total\t1e308\t")),
    ("fiscaldata/MSPD_SumSecty_20260430_20260531.csv", lambda d: d.replace(b"2026-05-31", b"2099-05-31")),
    ("fiscaldata/DTS_OpCashBal_20220414_20260623.csv", lambda d: d + d.splitlines(keepends=True)[-1]),
    ("nyfed/rp_results_2025-12-29_2026-01-02.json", lambda d: d[: len(d) // 2]),
])  # fmt: skip
def test_a_refused_mutant_writes_nothing(official: Path, tmp_path: Path, rel: str, mutate: Callable[[bytes], bytes]) -> None:
    path = official / rel
    path.write_bytes(mutate(path.read_bytes()))
    snaps = tmp_path / "snaps"
    result = CliRunner().invoke(app, ["fetch", "--from-dir", str(official), "--snapshots", str(snaps)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith(f"Error: {rel}")
    assert not snaps.exists()
