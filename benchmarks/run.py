"""Time ustglass as whole processes and write benchmarks/RESULTS.md.

Every case runs as a fresh process, several times; the median is reported, with the peak
resident memory of the slowest run's process tree. The import floor (the bare import of
the libraries ustglass uses) is measured in the same run, so targets can be read as ratios
that survive a noisy machine.

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
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
USTGLASS = str(BIN / "ustglass")
PYTHON = sys.executable
FLOOR_CODE = "import pandas, matplotlib; import matplotlib.pyplot, jinja2, weasyprint"
SNAPSHOT = "2026-10-09"


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

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")


def measure(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, stderr tail) of one process, measured with wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, code, err.decode("utf-8", "replace")[-300:]


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
    return [
        Case("import floor", [PYTHON, "-c", FLOOR_CODE], note="python -c \"" + FLOOR_CODE + "\""),
        Case("ustglass --help", [USTGLASS, "--help"]),
        Case("report --lang all, cold", report, prepare=cold, note="no caches, no earlier output"),
        Case("report --lang all, warm", report, note="caches present, nothing changed"),
        Case("report after one dataset changed", report, prepare=change_dataset, note="one SOFR value edited"),
        Case("report after one template changed", with_templates, prepare=change_template, note="extra.css edited"),
        Case("figures --only deficits", [USTGLASS, "figures", "--only", "deficits", "--lang", "zh", "--snapshots", str(snaps),
                                         "--out", str(work / "figs")]),
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
    return [f"- CPU: {cpu}, {os.cpu_count()} logical cores; memory {mem}",
            f"- {platform.platform()}; Python {platform.python_version()}; {version}",
            f"- measured {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"]


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
            times, peak, ok, error = [], 0.0, True, ""
            for _ in range(args.runs):
                if case.prepare:
                    case.prepare(work)
                elapsed, rss, code, err = measure(case.argv, env, work)
                if code != 0:
                    said = [line.strip("│ ") for line in err.splitlines() if "Error" in line or "No such" in line]
                    ok, error = False, (said[0] if said else f"exit {code}")
                    break
                times.append(elapsed)
                peak = max(peak, rss)
            results.append(Result(case, times, peak, ok, error))
            shown = f"{statistics.median(times):6.2f} s" if ok else f"n/a ({error})"
            print(f"{case.name:<36} {shown}  peak {peak:5.0f} MB", flush=True)
    floor = results[0].median
    rows = ["| case | median (s) | × import floor | peak RSS (MB) | runs | note |", "|---|---:|---:|---:|---:|---|"]
    for r in results:
        if r.ok:
            rows.append(f"| {r.case.name} | {r.median:.2f} | {r.median / floor:.2f} | {r.peak_mb:.0f} | {len(r.times)} | {r.case.note} |")
        else:
            rows.append(f"| {r.case.name} | n/a | | | | {r.error} |")
    text = "\n".join([
        "# Benchmarks", "",
        "Whole-process timings of ustglass on the shipped snapshot "
        f"`{SNAPSHOT}`, median of {args.runs} runs, with the bare import of its libraries measured in the same run.",
        "Written by `benchmarks/run.py`; timings live here, never in test assertions.", "",
        "## Reproduce", "", "```sh", "scripts/setup.sh", f".venv/bin/python benchmarks/run.py --runs {args.runs}", "```", "",
        "## Machine", "", *machine(), "",
        "## Results", "", *rows, "",
        "Peak RSS is the largest resident set of the process (its children counted separately by the kernel) over the runs.",
        "",
    ])
    if not args.no_write:
        (REPO / "benchmarks" / "RESULTS.md").write_text(text, encoding="utf-8")
        print("wrote benchmarks/RESULTS.md")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
