"""Hostile templates: Python internals, files outside the folder (symbolic links included),
undefined values and resource bombs each end in one exact ``Error:`` line, exit 1, nothing
written and no traceback; the limits themselves are checked on the sandbox directly."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ustglass import sandbox
from ustglass.app import app
from ustglass.errors import BuildError

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
runner = CliRunner()
LIMIT = f"{sandbox.OUTPUT_LIMIT:,}"


def build_with(tmp_path: Path, prose: str, *extra: str) -> tuple[int, str, Path]:
    """`report` with the English prose replaced by ``prose``: (exit code, stderr, the prose file)."""
    pack = tmp_path / "mine" / "locales" / "en"
    pack.mkdir(parents=True, exist_ok=True)
    (pack / "brief.md.j2").write_text(prose, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--lang", "en", "--format", "md,html", "--snapshots", str(SHIPPED),
                                 "--templates", str(tmp_path / "mine"), "--out", str(out), *extra])  # fmt: skip
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit))
    assert not out.exists(), "a failed build wrote something"
    return result.exit_code, result.stderr, pack / "brief.md.j2"


@pytest.mark.parametrize(("prose", "message"), [
    ("{{ ''.__class__.__mro__ }}\n", "line 1: access to attribute '__class__' of 'str' object is unsafe."),
    ("ok\n{{ kf.__class__.__init__.__globals__ }}\n", "line 2: access to attribute '__class__' of 'KeyFigures' object is unsafe."),
    ("{{ t.__closure__ }}\n", "line 1: access to attribute '__closure__' of 'function' object is unsafe."),  # t is a plain function: nothing reaches the pack object
    ("{% extends 'brief.md.j2' %}{% block byline %}{{ nope }}{% endblock %}\n", "line 1: 'nope' is undefined"),
    ("{{ kf.fiscal.no_such_field }}\n", "line 1: 'ustglass.keyfigures.Fiscal object' has no attribute 'no_such_field'"),
    ("\n\n{% include '../../../../etc/passwd' %}\n", "line 3: template '../../../../etc/passwd' not found"),
    ("{% include '/etc/passwd' %}\n", "line 1: template '/etc/passwd' not found"),
    ("{{ lipsum(n=2000000) }}\n", "line 1: lipsum(n=2000000) is not available: its filler text is random and would make every build different"),
    ("{{ 'a'*400000000 }}\n", f"line 1: 'a' * 400000000 would make 400,000,000 characters; a template may make at most {LIMIT}"),
    ("{{ [0] * 400000000 }}\n", f"line 1: [0] * 400000000 would make 400,000,000 characters; a template may make at most {LIMIT}"),
    ("{{ 'ab'|center(400000000) }}\n", f"line 1: center(400000000) would make 400,000,000 characters; a template may make at most {LIMIT}"),
    ("{{ '%400000000s' % 'a' }}\n", f"line 1: a format asking for a width of more than {LIMIT} characters"),
    ("{{ '{:>400000000}'.format('a') }}\n", f"line 1: a format asking for a width of more than {LIMIT} characters"),
    ("{{ 'x'.ljust(400000000) }}\n", f"line 1: str.ljust(400000000) would make 400,000,000 characters; a template may make at most {LIMIT}"),
    ("{% set s = 'a' * 10000000 %}{{ s.replace('a', 'aaa') }}\n", f"line 1: replace would make 30,000,000 characters; a template may make at most {LIMIT}"),
    ("{% set s = 'a' * 10000000 %}{{ s ~ s ~ s }}\n", f"line 1: the output exceeds {LIMIT} characters; a template may write at most that many"),
    ("{{ 10 ** 10000000 }}\n", "line 1: 10 ** 10000000 is too large a number (more than 100,000 bits)"),
    ("{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}\n",
     f"line 1: namespace value 's' would make 33,554,432 characters; a template may make at most {LIMIT}"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
     "line 1: more than 10,000,000 loop steps; a template may take at most that many"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}\n{{ f(1) }}\n", "line 1: templates call each other too deeply (a macro or include that never ends?)"),
    ("{{ [1, 2] | random }}\n", "line 1: No filter named 'random'."),
    ("{{ 1 / 0 }}\n", "line 1: ZeroDivisionError: division by zero"),
    ("{% for x in y %}\n", "line 1: Unexpected end of template. Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."),
])  # fmt: skip
def test_hostile_prose_is_one_error_line(tmp_path: Path, prose: str, message: str) -> None:
    code, stderr, path = build_with(tmp_path, prose)
    assert (code, stderr) == (1, f"Error: {path}, {message}\n")


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "passwd.txt").symlink_to("/etc/passwd")
    code, stderr, _ = build_with(tmp_path, "{% include 'passwd.txt' %}\n")
    assert (code, stderr) == (1, f"Error: {mine}/passwd.txt: a symbolic link to /etc/passwd, outside {mine}; refusing to read it\n")
    code, stderr, _ = build_with(tmp_path, "{% include 'passwd.txt' %}\n", "--no-strict")  # not even with --no-strict
    assert (code, stderr) == (1, f"Error: {mine}/passwd.txt: a symbolic link to /etc/passwd, outside {mine}; refusing to read it\n")
    (mine / "passwd.txt").unlink()
    (mine / "macros.md.j2").symlink_to("/etc/passwd")  # a name ustglass knows, leading out
    code, stderr, _ = build_with(tmp_path, "x\n")
    assert (code, stderr) == (1, f"Error: {mine}/macros.md.j2: a symbolic link to /etc/passwd, outside {mine}; refusing to read it\n")
    (mine / "macros.md.j2").unlink()
    (tmp_path / "elsewhere").mkdir()
    (mine / "locales").rename(tmp_path / "elsewhere" / "locales")
    (mine / "locales").symlink_to(tmp_path / "elsewhere" / "locales")
    code, stderr, _ = build_with(tmp_path, "x\n")
    assert (code, stderr) == (
        1,
        f"Error: {mine}/locales: a symbolic link to {tmp_path}/elsewhere/locales, outside {mine}; refusing to read it\n",
    )


def test_a_link_inside_the_folder_is_followed(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    for code in ("zh", "en"):
        (mine / "locales" / code).mkdir(parents=True)
    (mine / "locales" / "zh" / "brief.md.j2").write_text("# {{ t('title') }}\n")
    (mine / "locales" / "en" / "brief.md.j2").symlink_to("../zh/brief.md.j2")
    result = runner.invoke(app, ["report", "--lang", "en", "--format", "md", "--snapshots", str(SHIPPED),
                                 "--templates", str(mine), "--out", str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "brief.en.md").read_text() == "# Glass Houses: The Fragility of U.S. Treasury Market Liquidity\n"


def test_the_loader_resolves_real_paths(tmp_path: Path) -> None:
    """Defence in depth: the loader refuses a link out of its root even when no folder check ran."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "page.md.j2").write_text("a\n{% include 'inc.md.j2' %}\n")
    (root / "inc.md.j2").symlink_to("/etc/passwd")
    (root / "gone.md.j2").symlink_to(root / "missing")
    (root / "broken.md.j2").write_text("{% include 'gone.md.j2' %}\n")
    env = sandbox.environment([root])
    with pytest.raises(BuildError) as err:
        sandbox.render(env, "page.md.j2", {})
    assert (
        str(err.value)
        == f"{root}/page.md.j2, line 2: {root}/inc.md.j2 leads outside {root} (a symbolic link to /etc/passwd); refusing to read it"
    )
    with pytest.raises(BuildError) as err:
        sandbox.render(env, "broken.md.j2", {})
    assert str(err.value) == f"{root}/broken.md.j2, line 1: {root}/gone.md.j2: a symbolic link to nothing ({root}/missing)"
    with pytest.raises(BuildError) as err:
        sandbox.render(env, "nothing.md.j2", {})
    assert str(err.value) == "template 'nothing.md.j2' not found"


def test_html_templates_escape_and_markdown_ones_do_not(tmp_path: Path) -> None:
    (tmp_path / "page.html.j2").write_text("{{ x }}|{{ y }}")
    (tmp_path / "brief.md.j2").write_text("{{ x }}")
    env = sandbox.environment([tmp_path])
    assert sandbox.render(env, "page.html.j2", {"x": "<b>", "y": sandbox.trusted("<i>")}) == "&lt;b&gt;|<i>"
    assert sandbox.render(env, "brief.md.j2", {"x": "<b>"}) == "<b>"


def test_the_watchdog_stops_a_render_that_runs_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loops over a string take no counted steps: the watchdog stops them, naming the line."""
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 0.3)
    (tmp_path / "slow.md.j2").write_text(
        "{% set s = 'a' * 5000 %}\n{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}{% endfor %}\n"
    )
    (tmp_path / "fine.md.j2").write_text("{{ 1 + 2 }}")
    env = sandbox.environment([tmp_path])
    with pytest.raises(BuildError) as err:
        sandbox.render(env, "slow.md.j2", {})
    assert str(err.value) == f"{tmp_path}/slow.md.j2, line 2: rendering took longer than 0.3 s; stopped"
    assert [sandbox.render(env, "fine.md.j2", {}) for _ in range(50)] == ["3"] * 50  # nothing left pending


def test_the_watchdog_stops_a_render_that_grows_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "MEMORY_LIMIT", 64 * 2**20)
    (tmp_path / "big.md.j2").write_text(
        "{% set s = 'a' * 5000 %}{% filter length %}{% for a in s %}{% for b in s %}{% for c in s %}x{% endfor %}{% endfor %}{% endfor %}{% endfilter %}"
    )
    env = sandbox.environment([tmp_path])
    with pytest.raises(BuildError) as err:
        sandbox.render(env, "big.md.j2", {})
    assert str(err.value) == f"{tmp_path}/big.md.j2, line 1: rendering used more than 64 MB of memory; stopped"


def test_ordinary_template_features_still_work(tmp_path: Path) -> None:
    (tmp_path / "t.md.j2").write_text(
        "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }} "
        "{{ range(3) | list | length }} {{ '%5.1f' % 2.25 }} {{ '{:>4}'.format('ab') }} {{ 'x' * 3 }} {{ 2 ** 10 }} "
        "{{ 'a-b' | replace('-', '+') }} {{ ['a', 'b'] | join(',') }} {{ 'ab' | center(6) }}|{{ ('a' * 1000) | length }}"
    )
    assert sandbox.render(sandbox.environment([tmp_path]), "t.md.j2", {}) == "3 3   2.2   ab xxx 1024 a+b a,b   ab  |1000"
