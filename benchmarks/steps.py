"""Where a build's time goes: one case of ``run.py`` in this process, its steps timed.

Each named step (computing the key figures, drawing a chart, saving it as PNG or SVG, the web
page's fonts, laying out and writing each PDF, ...) is wrapped with a timer; the case runs once
as a real ``ustglass report`` in one process (``--jobs 1``, so every step is seen), and the
steps' total time and call count are printed, longest first. Nested steps are each counted in
full (``pdf_bytes`` includes ``weasyprint.render`` and ``write_pdf``). With ``--timeline`` the
case runs as it normally does (a process per language) and each process prints when its
language starts, when its PDF starts and ends, and when the parent forks and joins.

    .venv/bin/python benchmarks/steps.py "report --lang all, cold"
    .venv/bin/python benchmarks/steps.py "report after one template changed" --timeline

The case names are ``run.py``'s. A case that reads the cache is run once first, untimed, to fill it.
"""

from __future__ import annotations

import argparse
import collections
import functools
import importlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402 - the cases, from the benchmark beside this file

STEPS = [  # (module, attribute): what is timed
    ("ustglass.pipeline", "load_key_figures"),
    ("ustglass.pipeline", "key_figures"),
    ("ustglass.charts", "build_figure"),
    ("ustglass.charts", "png_bytes"),
    ("ustglass.charts", "svg_bytes"),
    ("ustglass.render", "render_brief"),
    ("ustglass.render", "markdown_to_html"),
    ("ustglass.render", "render_template"),
    ("ustglass.render", "check_glyphs"),
    ("ustglass.render", "web_font_urls"),
    ("ustglass.render", "pdf_bytes"),
    ("weasyprint", "HTML.render"),
    ("weasyprint.document", "Document.write_pdf"),
]


def timed(owner: Any, name: str, label: str, totals: dict[str, float], counts: collections.Counter[str]) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - start
            counts[label] += 1

    setattr(owner, name, wrapper)


def stamped(owner: Any, name: str, say: Any, what: Any) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        say(f"{what(*args)} start")
        try:
            return original(*args, **kwargs)
        finally:
            say(f"{what(*args)} end")

    setattr(owner, name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", help="a case of run.py, such as 'report --lang all, cold'")
    parser.add_argument(
        "--timeline", action="store_true", help="run as usual (a process per language) and print when each step starts and ends"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ustglass-steps-") as tmp:
        work = Path(tmp)
        shutil.copytree(run.REPO / "data_snapshots" / run.SNAPSHOT, work / "snaps" / run.SNAPSHOT)
        (work / "templates").mkdir()
        os.environ.update({"USTGLASS_CACHE_DIR": str(work / "cache"), "SOURCE_DATE_EPOCH": "1767139200"})
        cases = {c.name: c for c in run.cases(work)}
        if args.case not in cases or not cases[args.case].argv[0].endswith("ustglass"):
            parser.error(f"choose one of: {', '.join(repr(n) for n, c in cases.items() if c.argv[0].endswith('ustglass'))}")
        case = cases[args.case]
        if case.prepare is None or case.prepare.__name__ != "cold":  # a case that reads the cache: fill it first
            run.measure(case.argv, dict(os.environ), work)
        if case.prepare:
            case.prepare(work)
        argv = [*case.argv[1:], *([] if args.timeline else ["--jobs", "1"])]
        start = time.perf_counter()
        from ustglass import app, pipeline, render

        totals: dict[str, float] = collections.defaultdict(float)
        counts: collections.Counter[str] = collections.Counter()
        if args.timeline:
            say = lambda msg: print(f"{time.perf_counter() - start:6.2f} s  [{os.getpid()}] {msg}", file=sys.stderr)  # noqa: E731
            stamped(pipeline, "brief_files", say, lambda cfg, kf, loc, *_: f"language {loc.code}")
            stamped(pipeline, "per_language", say, lambda *_: "languages (fork to join)")
            stamped(render, "pdf_bytes", say, lambda *_: "PDF")
        else:
            for module, attribute in STEPS:
                owner_name, _, name = attribute.rpartition(".")
                owner = importlib.import_module(module)
                owner = getattr(owner, owner_name) if owner_name else owner
                timed(owner, name, f"{module.removeprefix('ustglass.')}.{attribute}", totals, counts)
        sys.argv = ["ustglass", *argv]
        try:
            app.main()
        except SystemExit as done:
            if done.code:
                return int(done.code)
        print(f"{args.case}: {time.perf_counter() - start:.2f} s in this process, imports included", file=sys.stderr)
        for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
            print(f"  {label:<40} {seconds:6.2f} s  ×{counts[label]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
