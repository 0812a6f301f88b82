"""Time ustglass as whole processes and write benchmarks/RESULTS.md.

Every case runs as a fresh process, several times; the median is reported, with the peak
memory of its process tree: the largest resident set of any one process (``wait4``) and the
largest proportional set size (PSS) of the whole tree at once, sampled every 10 ms from
``/proc`` (the languages' forked processes share their parent's pages, which PSS counts once).
PSS is sampled in one extra run of each case, not in the timed ones: reading a 300 MB process's
``smaps_rollup`` takes about 10 ms of kernel time and holds its memory map's lock, so sampling
three processes every 10 ms would take most of a core from a 2-core machine's build. The import
floor (the bare import of the libraries ustglass uses) is timed just before each run of every
case, and each case is stated as a ratio to the median of its own floors, so targets can be read
as ratios that survive a noisy machine (a shared machine's speed can change by half within minutes).

    .venv/bin/python benchmarks/run.py            # 5 runs per case, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/run.py --runs 3 --no-write

Cases that need a command this version does not have are reported as "n/a".
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
USTGLASS = str(BIN / "ustglass")
PYTHON = sys.executable
FLOOR_CODE = "import pandas, matplotlib; import matplotlib.pyplot, jinja2, weasyprint"
SNAPSHOT = "2026-10-09"
# The first measurement (2026-12-01, before the cache and the processes per language), for comparison.
BEFORE = {"import floor": 1.25, "report --lang all, cold": 13.65, "report --lang all, warm": 11.46,
          "report after one dataset changed": 11.56, "report after one template changed": 11.41, "peak": 369}  # fmt: skip
TARGETS = [  # (case, at most this many import floors, or seconds when absolute)
    ("report --lang all, cold", 1.8, False), ("report --lang all, warm", 0.4, False),
    ("report after one dataset changed", 1.2, False), ("report after one template changed", 1.2, False),
    ("ustglass --help", 0.3, True),
]  # fmt: skip


@dataclass
class Case:
    name: str
    argv: list[str]
    prepare: Callable[[Path], None] | None = None  # run before each timed run (not timed)
    note: str = ""


@dataclass
class Result:
    case: Case
    times: list[float]
    peak_mb: float
    ok: bool
    error: str = ""
    tree_pss_mb: float = 0.0
    floors: list[float] = field(default_factory=list)  # the import floor, timed just before each of this case's runs

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def floor(self) -> float:
        """The median of the floors timed beside this case (its own median for the floor itself)."""
        return statistics.median(self.floors) if self.floors else self.median

    @property
    def ratio(self) -> float:
        return self.median / self.floor


def _tree(pid: int) -> list[tuple[int, int]]:
    """``pid`` and its descendants, each with its parent (0 for ``pid``), parents first, from /proc."""
    found, todo = [], [(pid, 0)]
    while todo:
        p, parent = todo.pop()
        found.append((p, parent))
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [(int(c), p) for c in fh.read().split()]
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
    except (OSError, ValueError):
        return 0


_SYS_KCMP = {"x86_64": 312, "aarch64": 272}.get(platform.machine())
KCMP_VM = 1


def _same_memory(a: int, b: int) -> bool:
    """Whether two processes share one address space (kcmp(2)), as a child spawned with vfork does until its exec."""
    if _SYS_KCMP is None:
        return False
    import ctypes

    return ctypes.CDLL(None, use_errno=True).syscall(_SYS_KCMP, a, b, KCMP_VM, 0, 0) == 0


def _tree_pss_kb(pid: int) -> int:
    """The PSS of ``pid`` and its descendants. Children are read before their parents, so a process
    forking between two readings is counted short for one sample rather than twice; a child still
    sharing its parent's address space (vfork, before its exec) is not counted again."""
    counted = [p for p, parent in reversed(_tree(pid)) if not (parent and _same_memory(p, parent))]  # asked before reading:
    return sum(_pss_kb(p) for p in counted)  # a vfork child's exec is one-way, so one that differed still does


def measure(argv: list[str], env: dict[str, str], cwd: Path, *, pss: bool = False) -> tuple[float, float, float, int, str]:
    """(seconds, peak RSS of one process in MB, peak PSS of the tree in MB, exit code, stderr tail) of one run;
    the tree's PSS is sampled only when ``pss`` is asked (it slows the run: see the module's note), else 0."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_pss = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak_pss[0] = max(peak_pss[0], _tree_pss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    if pss and Path("/proc/self/smaps_rollup").exists():
        sampler.start()
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    if sampler.is_alive():
        sampler.join()
    code = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, peak_pss[0] / 1024, code, err.decode("utf-8", "replace")[-300:]


def cases(work: Path) -> list[Case]:
    out = work / "out"
    snaps = work / "snaps"
    templates = work / "templates"
    report = [USTGLASS, "report", "--lang", "all", "--snapshots", str(snaps), "--out", str(out)]

    def cold(_: Path) -> None:
        shutil.rmtree(work / "cache", ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)

    def change_dataset(_: Path) -> None:
        """Rewrite one observation of one dataset (and its manifest hash) in a copied snapshot."""
        import hashlib
        import json

        snap = snaps / SNAPSHOT
        csv = snap / "fred_sofr.csv"
        lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
        date, value = lines[-1].rstrip("\n").split(",")
        bumped = f"{float(value) + 0.01:.2f}" if not value.endswith("1") else f"{float(value) - 0.01:.2f}"
        lines[-1] = f"{date},{bumped}\n"
        csv.write_text("".join(lines), encoding="utf-8")
        manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
        manifest["datasets"]["fred_sofr"]["sha256"] = hashlib.sha256(csv.read_bytes()).hexdigest()
        (snap / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def change_template(_: Path) -> None:
        css = templates / "extra.css"
        css.write_text(f"/* {time.time_ns()} */\nh1 {{ letter-spacing: 0; }}\n", encoding="utf-8")

    with_templates = [*report, "--templates", str(templates)]
    figures = [USTGLASS, "figures", "--only", "deficits", "--lang", "zh", "--snapshots", str(snaps), "--out", str(work / "figs")]
    return [
        Case("import floor", [PYTHON, "-c", FLOOR_CODE], note='python -c "' + FLOOR_CODE + '"'),
        Case("ustglass --help", [USTGLASS, "--help"]),
        Case(
            "report --lang all, cold, serial",
            [*report, "--jobs", "1"],
            prepare=cold,
            note="no caches, no earlier output, one process (--jobs 1)",
        ),
        Case("report --lang all, cold", report, prepare=cold, note="no caches, no earlier output; a process per language"),
        Case("report --lang all, warm", report, note="caches present, nothing changed"),
        Case("report after one dataset changed", report, prepare=change_dataset, note="one SOFR value edited"),
        Case("report after one template changed", with_templates, prepare=change_template, note="extra.css edited"),
        Case("figures --only deficits", figures, note="the chart in the cache after the first run"),
        Case("figures --only deficits --no-cache", [*figures, "--no-cache"], note="drawn every time"),
    ]


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    version = subprocess.run([USTGLASS, "--version"], capture_output=True, text=True).stdout.strip()
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; memory {mem}",
        f"- {platform.platform()}; Python {platform.python_version()}; {version}",
        f"- measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; load average at the end "
        f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1 / 5 / 15 min; other work on the machine slows every case, "
        "the parallel ones most)",
    ]


def summary(results: list[Result]) -> list[str]:
    """What each optimisation bought, and the issue's targets, from this run's medians and each case's own floor."""
    t = {r.case.name: r.median for r in results if r.ok}
    ratio = {r.case.name: r.ratio for r in results if r.ok}
    pss = {r.case.name: r.tree_pss_mb for r in results if r.ok and r.case.name.startswith("report")}
    out = ["## What each optimisation bought", ""]
    if {"report --lang all, cold, serial", "report --lang all, cold"} <= t.keys():
        out.append(f"- a process per language (forked after the shared work): cold edition {t['report --lang all, cold, serial']:.2f} s "
                   f"in one process, {t['report --lang all, cold']:.2f} s in two.")  # fmt: skip

    def was(name: str) -> str:  # as ratios to each run's own import floor: the machine's load differs between runs
        return f"{t[name]:.2f} s, {ratio[name]:.2f} × the floor (first measurement: {BEFORE[name] / BEFORE['import floor']:.2f} ×)"

    if "report --lang all, cold" in t:
        out.append(f"- cold, everything together: {was('report --lang all, cold')}.")
    if "report --lang all, warm" in t:
        out.append("- the whole-edition cache, looked up before pandas, matplotlib or WeasyPrint are imported: an unchanged "
                   f"rebuild {was('report --lang all, warm')}.")  # fmt: skip
    if "report after one template changed" in t:
        out.append(
            f"- the key-figures and chart caches: after a template change only the pages are made again, {was('report after one template changed')}."
        )
    if "report after one dataset changed" in t:
        out.append("- after one dataset changed the key figures, the charts that read it and both pages are made again: "
                   f"{was('report after one dataset changed')}.")  # fmt: skip
    if {"figures --only deficits", "figures --only deficits --no-cache"} <= t.keys():
        out.append(
            f"- `figures --only`: {t['figures --only deficits']:.2f} s from the cache, {t['figures --only deficits --no-cache']:.2f} s drawn."
        )
    out += ["", "## Targets (issue 11)", "", "| target | measured | met |", "|---|---:|---|"]
    for name, bound, absolute in TARGETS:
        if name in t:
            value = t[name] if absolute else ratio[name]
            unit = " s" if absolute else " × floor"
            out.append(f"| {name} ≤ {bound}{unit} | {value:.2f}{unit} | {'yes' if value <= bound else 'no'} |")
    serial = {n: v for n, v in pss.items() if n.endswith("serial")}
    for label, measured in (("a process per language", {n: v for n, v in pss.items() if n not in serial}), ("one process, --jobs 1", serial)):
        if measured:
            peak = max(measured.values())
            out.append(f"| peak memory of a full edition ≤ 250 MB, {label} | {peak:.0f} MB (tree PSS) | {'yes' if peak <= 250 else 'no'} |")
    return [*out, "", *PROFILE]


PROFILE = """## Where the time goes (`benchmarks/steps.py`, 2026-12-01, 2-core machine; seconds vary with its load)

Cold, in one process (`steps.py "report --lang all, cold"`, 13.7 s with the imports): WeasyPrint 5.7 s for the two
PDFs (layout 2.6 s, writing 2.9 s; 6.4 s before the PDF's faces were staged under family names of their own), the
twelve 200-dpi PNGs 2.0 s, drawing the twelve charts 0.8 s, their SVGs 0.7 s, the key figures and analysis sections
0.7 s (0.8 s before the crowding history's windows were found by binary search and the edition's scorecard evaluated
once), the web pages' fonts 0.4 s (WOFF2 at Brotli quality 9; at fontTools' default 11 it was 2.2 s), the templates
0.9 s, Markdown to HTML 0.2 s, the glyph checks 0.1 s.

Cold, as it runs (`steps.py "report --lang all, cold" --timeline`): the parent forks the languages' processes after
about 2 s (start-up, then the key figures computed in a process of their own, 0.9 s, while the parent imports
pandas, matplotlib and WeasyPrint for the children and takes the CJK face out of its collection, 1.1–1.7 s; one
after the other they took 0.4 s longer); each language's process then spends 2.3–2.5 s on its charts, Markdown and
web page and 3.0–3.3 s on its PDF.

After a template change (`steps.py "report after one template changed" --timeline`): the parent takes 0.7 s to the
fork (start-up, the cache look-ups, the key figures from the cache, importing WeasyPrint for both children); each
language's process then spends 0.8 s on its Markdown and web page and 2.6–3.0 s on its PDF, the two in parallel.

So one PDF costs 2.5–3 s however it is reached, and every case but the unchanged rebuild lays out both PDFs (both
show the data and use the stylesheet; WeasyPrint has no incremental layout and a laid-out document cannot be kept
between processes). On two cores the two languages' PDFs already run side by side, so the shortest possible cold or
changed build is the start-up and the shared work (0.7 s after a template change, about 2 s cold) plus one
language's page and PDF (3.5 s after a template change; with its charts, about 5.5 s cold): several times the
import floor, not the 1.8 × and 1.2 × of issue 11. Those
targets would need a PDF engine several times faster than WeasyPrint's layout of this 23-page document.

Inside one PDF (the Chinese, about 3 s): page layout about 1.6 s (the text itself 0.5 s, sizing the columns of the
sixteen tables about 0.35 s, the CSS cascade about 0.3 s, parsing the page 0.2 s); drawing about 0.9 s, of which the
six vector charts 0.5 s (their text set letter by letter); writing and compressing the file 0.3 s; font subsetting
0.05 s. The charts are given to it as `<img>`s of their SVG: the page's styles are not computed for their nodes
(0.2–0.3 s less per PDF) and each is tagged as a Figure with its alternative text.

Tried and left: the charts' SVG with its text drawn as paths (`svg.fonttype: path`) makes the PDF slower (5.0 s
instead of 3.1 s) and 40% larger; no hyphenation changed nothing measurable. `table-layout: fixed` on every table
lays the Chinese PDF out 0.35–0.45 s faster (1.2–1.3 s instead of 1.6–1.8 s; an earlier trial that found no change
had not taken effect), but gives every column the same width (24 pages instead of 23): it would need each table's
column widths worked out from its cells' text, which WeasyPrint's automatic layout does now.

Memory: a process holding pandas, matplotlib and WeasyPrint starts at about 125 MB. Before the faces had family names of their own, WeasyPrint set
the PDF's Chinese text in the machine's Noto Sans CJK collection, which it found by the family name the stylesheet
gave, and read both 20 MB files into memory: one PDF laid out and written in a process of its own peaked at 191 MB
(zh) and 185 MB (en). Under a family name of its own ("Brief Noto Sans CJK SC") and cut to the characters the page
and its charts draw, the staged face is what WeasyPrint uses, and the same PDFs peak at 117 and 113 MB (the same text
and pages; the Chinese file 448 KB instead of 726 KB). A language's six charts kept about 50 MB of pixel buffers
until the collector found them; each is now given back as soon as its chart is saved (about 25 MB less). So the
serial build peaks at about 235 MB (306 MB before these two changes), under the 250 MB target; the parallel tree at about
360 MB (489 MB before): the parent's 150 MB, shared, plus each language's own charts, page and laid-out PDF, about
105 MB each. 250 MB for the parallel build would need each language's process to hold about 50 MB of its own.
""".splitlines()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print the table, do not write RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ustglass-bench-") as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / "data_snapshots" / SNAPSHOT, work / "snaps" / SNAPSHOT)
        (work / "templates").mkdir()
        env = {**os.environ, "USTGLASS_CACHE_DIR": str(work / "cache"), "SOURCE_DATE_EPOCH": "1767139200"}
        results = []
        for case in cases(work):
            times, peak, tree_peak, ok, error = [], 0.0, 0.0, True, ""
            floors: list[float] = []
            for _ in range(args.runs):
                if case.prepare:
                    case.prepare(work)
                if case.name != "import floor":
                    floors.append(measure([PYTHON, "-c", FLOOR_CODE], env, work)[0])
                elapsed, rss, pss, code, err = measure(case.argv, env, work)
                if code != 0:
                    said = [line.strip("│ ") for line in err.splitlines() if "Error" in line or "No such" in line]
                    ok, error = False, (said[0] if said else f"exit {code}")
                    break
                times.append(elapsed)
                peak = max(peak, rss)
            if ok:  # one more run, untimed, for the tree's memory
                if case.prepare:
                    case.prepare(work)
                _, rss, pss, code, _ = measure(case.argv, env, work, pss=True)
                peak, tree_peak = (max(peak, rss), pss) if code == 0 else (peak, float("nan"))
            results.append(Result(case, times, peak, ok, error, tree_peak, floors))
            shown = f"{statistics.median(times):6.2f} s" if ok else f"n/a ({error})"
            print(f"{case.name:<40} {shown}  peak {peak:5.0f} MB, tree PSS {tree_peak:5.0f} MB", flush=True)
    rows = ["| case | median (s) | its import floor (s) | × import floor | peak RSS, one process (MB) | peak PSS, process tree (MB) | runs | note |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for r in results:
        if r.ok:
            rows.append(f"| {r.case.name} | {r.median:.2f} | {r.floor:.2f} | {r.ratio:.2f} | {r.peak_mb:.0f} | {r.tree_pss_mb:.0f} | "
                        f"{len(r.times)} | {r.case.note} |")  # fmt: skip
        else:
            rows.append(f"| {r.case.name} | n/a | | | | | | {r.error} |")
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            "Whole-process timings of ustglass on the shipped snapshot "
            f"`{SNAPSHOT}`, median of {args.runs} runs, each run just after a run of the bare import of its libraries (the import floor).",
            "Written by `benchmarks/run.py`; timings live here, never in test assertions.",
            "",
            "## Reproduce",
            "",
            "```sh",
            "scripts/setup.sh",
            f".venv/bin/python benchmarks/run.py --runs {args.runs}",
            "```",
            "",
            "## Machine",
            "",
            *machine(),
            "",
            "## Results",
            "",
            *rows,
            "",
            "Peak RSS is the largest resident set of any one process of the run (the kernel's maxrss); peak PSS is the largest "
            "proportional set size of the whole process tree at one moment (sampled every 10 ms in one extra run of the "
            "case, not in the timed runs, which the sampling would slow), which counts pages the language processes share "
            "with their parent once.",
            "",
            *summary(results),
        ]
    )
    if not args.no_write:
        (REPO / "benchmarks" / "RESULTS.md").write_text(text, encoding="utf-8")
        print("wrote benchmarks/RESULTS.md")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
