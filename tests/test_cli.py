"""The command line as a user meets it: help, completion, verbosity, progress, shared defaults, and
render-time failures of editors' templates as one ``Error:`` line."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ustglass.app import app

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
USTGLASS = Path(sys.executable).with_name("ustglass")
BRIEF_TEMPLATE = "locales/en/brief.md.j2"  # the English pack's prose, as an editor overrides it with --templates
COMMANDS = ("fetch", "report", "publish", "snapshots", "diff", "scenario", "scorecard", "check-claims", "changes")
runner = CliRunner()


def report(*args: str):
    return runner.invoke(app, ["report", "--lang", "en", "--format", "md", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31", *args])


# --- render-time failures of templates and filters ------------------------------------------


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
        ('{{ "{x}".format() }}', "KeyError: 'x'"),
        ('{{ "x" | ordinal }}', "ValueError: invalid literal for int() with base 10: 'x'"),  # a filter that raises
        ("{{ range(1, 2, 0) | list }}", "ValueError: range() arg 3 must not be zero"),
        ("{{ kf.fiscal.latest_fy + 1 }}", 'TypeError: can only concatenate str (not "int") to str'),
        ("{{ kf.no_such_figure }}", "'ustglass.keyfigures.KeyFigures object' has no attribute 'no_such_figure'"),
        ("{{ kf.__class__ }}", "access to attribute '__class__' of 'KeyFigures' object is unsafe."),
    ],
)
def test_failing_template_is_one_error_line(tmp_path: Path, line: str, error: str) -> None:
    overrides = tmp_path / "templates"
    (overrides / BRIEF_TEMPLATE).parent.mkdir(parents=True)
    (overrides / BRIEF_TEMPLATE).write_text(f"# Brief\n\nText {line} more.\n", encoding="utf-8")
    result = report("--templates", str(overrides), "--out", str(tmp_path / "out"))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {overrides / BRIEF_TEMPLATE}, line 3: {error}\n"
    assert not (tmp_path / "out").exists()


def test_failure_inside_a_macro_names_the_macro_file(tmp_path: Path) -> None:
    overrides = tmp_path / "templates"
    (overrides / BRIEF_TEMPLATE).parent.mkdir(parents=True)
    (overrides / "lib.md.j2").write_text("{% macro share(a, b) %}\n{{ a / b }}\n{% endmacro %}\n", encoding="utf-8")
    (overrides / BRIEF_TEMPLATE).write_text('{% import "lib.md.j2" as lib %}\n# Brief\n{{ lib.share(1, 0) }}\n', encoding="utf-8")
    result = report("--templates", str(overrides), "--no-strict", "--out", str(tmp_path / "out"))  # lib.md.j2 is the editor's own file
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {overrides / 'lib.md.j2'}, line 2: ZeroDivisionError: division by zero"


# --- help, completion, options --------------------------------------------------------------


@pytest.mark.parametrize("command", [(), *((c,) for c in COMMANDS)])
def test_dash_h_is_help(command: tuple[str, ...]) -> None:
    short, long = runner.invoke(app, [*command, "-h"]), runner.invoke(app, [*command, "--help"])
    assert short.exit_code == 0 and short.output == long.output
    assert short.output.lstrip().startswith(f"Usage: ustglass {' '.join(command)}".rstrip())


def test_shell_completion() -> None:
    # Typer's own switch: the shell is named on the command line instead of detected from the parent process
    plain = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = subprocess.run([str(USTGLASS), "--show-completion", "bash"], capture_output=True, text=True, env=plain)
    assert shown.returncode == 0, shown.stderr
    script = shown.stdout
    assert "_USTGLASS_COMPLETE=complete_bash" in script
    env = {**os.environ, "_USTGLASS_COMPLETE": "complete_bash", "COMP_WORDS": "ustglass rep", "COMP_CWORD": "1"}
    assert subprocess.run([str(USTGLASS)], env=env, capture_output=True, text=True).stdout.split() == ["report"]
    env.update(COMP_WORDS="ustglass report --la", COMP_CWORD="2")
    assert subprocess.run([str(USTGLASS)], env=env, capture_output=True, text=True).stdout.split() == ["--lang"]
    assert "--install-completion" in runner.invoke(app, ["--help"]).output


def test_log_format_is_a_choice(tmp_path: Path) -> None:
    result = runner.invoke(app, ["publish", "--out", str(tmp_path / "pub"), "--log-format", "xml"])
    text = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "Invalid value for '--log-format'" in text and "'xml' is not one of 'text', 'json'." in text
    assert not (tmp_path / "pub").exists()


def test_every_command_has_the_same_snapshots_option() -> None:
    group = typer.main.get_command(app)
    options = {}
    for name in COMMANDS:
        (option,) = [p for p in group.commands[name].params if "--snapshots" in getattr(p, "opts", ())]
        options[name] = (option.default, option.help)
    assert len(set(options.values())) == 1, options
    assert options["report"][0] is None  # resolved at run time: ./data_snapshots, else the shipped ones


def test_snapshots_default_is_local_then_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shipped = runner.invoke(app, ["snapshots", "--json"])
    assert shipped.exit_code == 0 and [s["id"] for s in __import__("json").loads(shipped.stdout)] == ["2025-12-31", "2026-10-09"]
    assert runner.invoke(app, ["diff", "2025-12-31", "2026-10-09"]).exit_code == 0
    (tmp_path / "data_snapshots").mkdir()
    local = runner.invoke(app, ["snapshots"])
    assert (local.exit_code, local.stdout) == (0, "no snapshots under data_snapshots\n")
    missing = runner.invoke(app, ["diff", "2025-12-31", "2026-10-09"])
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: 2025-12-31: no such snapshot (looked in data_snapshots)")


def test_fetch_writes_into_local_data_snapshots(official: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data_snapshots").mkdir()
    result = runner.invoke(app, ["fetch", "--from-dir", str(official)])
    assert (result.exit_code, result.stdout) == (0, f"snapshot written: {Path('data_snapshots') / '2026-08-07'}\n")


# --- verbosity and progress -----------------------------------------------------------------


def test_quiet_and_verbose(tmp_path: Path) -> None:
    quiet = report("-q", "--out", str(tmp_path / "q"))
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    assert (tmp_path / "q" / "brief.en.md").is_file()
    normal = report("--out", str(tmp_path / "n"))
    assert normal.stdout.splitlines() == [
        f"wrote {tmp_path / 'n' / 'brief.en.md'}",
        f"wrote {tmp_path / 'n' / 'key_figures.json'}",
        "brief built from snapshot 2025-12-31",
    ]
    verbose = report("-v", "--out", str(tmp_path / "v"))
    assert f"wrote {tmp_path / 'v' / 'figures' / 'deficits.en.png'}" in verbose.stdout.splitlines()
    both = report("-q", "-v", "--out", str(tmp_path / "b"))
    assert both.exit_code == 2 and "choose --quiet or --verbose, not both" in " ".join(both.output.replace("│", " ").split())


def test_fetch_quiet_and_verbose(official: Path, tmp_path: Path) -> None:
    args = ["fetch", "--from-dir", str(official), "--snapshots", str(tmp_path / "s")]
    assert runner.invoke(app, [*args, "-q"]).stdout == ""
    verbose = runner.invoke(app, [*args, "-v"]).stdout.splitlines()
    assert "not used: README.md: not an official file ustglass reads" in verbose
    assert verbose[-1] == f"snapshot unchanged: {tmp_path / 's' / '2026-08-07'} already holds these data"


def _read_all(fd: int, proc: subprocess.Popen) -> bytes:
    data = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed
                return data
            if not chunk:
                return data
            data += chunk
        elif proc.poll() is not None:
            return data


def test_report_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    import pty

    args = [str(USTGLASS), "report", "--lang", "en", "--format", "md", "--snapshots", str(SHIPPED), "--snapshot", "2025-12-31"]
    main, sub = pty.openpty()
    proc = subprocess.Popen(
        [*args, "--out", str(tmp_path / "tty")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=sub,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(sub)
    terminal = _read_all(main, proc).decode("utf-8", "replace")
    os.close(main)
    assert proc.wait(timeout=120) == 0
    assert proc.stdout is not None and proc.stdout.read().decode().endswith("brief built from snapshot 2025-12-31\n")
    assert "Building the brief (en; md)" in terminal
    piped = subprocess.run([*args, "--out", str(tmp_path / "pipe")], capture_output=True, text=True, check=True)
    assert piped.stderr == ""
    assert report("--out", str(tmp_path / "runner")).stderr == ""
