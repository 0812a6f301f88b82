"""Settings of a run: built-in defaults, then the config file, then command-line flags.

The config file is the file ``--config PATH`` names, else ``$USTGLASS_CONFIG`` (empty: none),
else ``ustglass.toml`` in the working directory. It may hold exactly the keys of :data:`KEYS`; an unknown key, or a value of the wrong
kind, is an error naming the file and the key, every problem at once. Relative paths in the
file are relative to the file's folder. A flag given on the command line overrides the file.
:class:`Settings` remembers where each value came from, for ``ustglass config show``.

Example::

    organisation = "Example Research Desk"
    author = "A. Editor"
    languages = ["zh", "en"]      # or "all", or one code
    formats = ["md", "html", "pdf"]
    out = "build"
    templates = "my-templates"    # from `ustglass templates export my-templates`
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ustglass import locale
from ustglass.config import FigureFormat, Format, ReportConfig, parse_figure_formats, parse_formats
from ustglass.errors import BuildError, UstglassError
from ustglass.resources import snapshots_root

CONFIG_NAME = "ustglass.toml"
CONFIG_ENV = "USTGLASS_CONFIG"  # names the config file (empty: none), for cron and the tests
DEFAULT, CONFIG, FLAG = "default", "config", "flag"


class ConfigError(UstglassError):
    """A config file that cannot be read or holds a wrong key or value."""


class FlagError(UstglassError):
    """A command-line value that is wrong: a usage error (exit 2), naming the option."""

    exit_code = 2

    def __init__(self, option: str, message: str):
        self.option = option
        super().__init__(message)


@dataclass(frozen=True)
class Key:
    """One setting: its name in the config file, its kind, default and command-line flag."""

    name: str
    kind: str  # "text" | "list" | "path" | "bool"
    default: Any
    flag: str
    help: str


KEYS: tuple[Key, ...] = (
    Key("organisation", "text", "ustglass", "", "who publishes the brief (PDF metadata, the cover)"),
    Key("author", "text", "", "", "who wrote it (PDF metadata)"),
    Key("languages", "list", (locale.DEFAULT,), "--lang", "language packs to build: a code, all, or a list of codes"),
    Key("formats", "list", tuple(f.value for f in (Format.md, Format.html, Format.pdf)), "--format", "report and publish: md, md-inline, html, pdf"),
    Key("figure_formats", "list", ("png", "svg"), "--format", "ustglass figures: png, svg"),
    Key("out", "path", Path("out"), "--out", "report's output directory (figures: <out>/figures)"),
    Key("snapshots", "path", None, "--snapshots", "directory of snapshots (default: ./data_snapshots, else the shipped ones)"),
    Key("templates", "path", None, "--templates", "an editor's templates folder, in front of the shipped templates"),
    Key("figures", "path", None, "--figures", "an editor's figure specs folder, in front of <templates>/figures and the shipped specs"),
    Key("strict", "bool", True, "--strict/--no-strict", "a file in an editor's folder that ustglass does not know is an error (else a warning)"),
)  # fmt: skip
BY_NAME = {k.name: k for k in KEYS}


@dataclass(frozen=True)
class Settings:
    """The effective value of every key, where it came from, and the config file read (if any)."""

    values: Mapping[str, Any]
    sources: Mapping[str, str]
    file: Path | None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def langs(self) -> tuple[str, ...]:
        return _langs(self.values["languages"], self.values["templates"])

    @property
    def formats(self) -> tuple[Format, ...]:
        return parse_formats(",".join(self.values["formats"]))

    @property
    def figure_formats(self) -> tuple[FigureFormat, ...]:
        return parse_figure_formats(",".join(self.values["figure_formats"]))

    @property
    def snapshots_root(self) -> Path:
        return snapshots_root(self.values["snapshots"])

    def report_config(self, *, snapshot: str | None = None, figures: tuple[str, ...] | None = None,
                      out_dir: Path | None = None, since: str | None = None, cache: bool = True,
                      jobs: int | None = None) -> ReportConfig:  # fmt: skip
        """The run configuration of a build with these settings."""
        v = self.values
        return ReportConfig(langs=self.langs, formats=self.formats, snapshots_root=self.snapshots_root,
                            out_dir=out_dir or v["out"], snapshot=snapshot, templates_dir=v["templates"],
                            figures_dir=v["figures"], figures=figures, strict=v["strict"],
                            organisation=v["organisation"], author=v["author"] or None, since=since,
                            cache=cache, jobs=jobs)  # fmt: skip

    def show(self) -> str:
        """Every setting, its value and where it came from, one per line."""
        rows = [(k.name, _shown(self, k), self.sources[k.name]) for k in KEYS]
        width = max(len(n) for n, _, _ in rows)
        vwidth = max(len(v) for _, v, _ in rows)
        head = f"config file: {self.file if self.file is not None else f'none ({CONFIG_NAME} not found)'}"
        return "\n".join([head, *(f"{n:<{width}}  {v:<{vwidth}}  ({s})" for n, v, s in rows)])


def _shown(settings: Settings, key: Key) -> str:
    value = settings.values[key.name]
    if key.name == "snapshots":
        return str(settings.snapshots_root)
    if value is None:
        return "(the shipped ones)"
    if key.kind == "list":
        return ", ".join(value)
    if key.kind == "bool":
        return "true" if value else "false"
    return str(value)


def _langs(codes: tuple[str, ...], templates: Path | None) -> tuple[str, ...]:
    found: list[str] = []
    for code in codes:
        found += [c for c in locale.choose(code.strip(), locale.search_path(templates)) if c not in found]
    return tuple(found)


# ---------------------------------------------------------------- reading


def _kind_problem(key: Key, value: Any) -> str | None:
    if key.kind == "text" and not isinstance(value, str):
        return f"'{key.name}' must be a string"
    if key.kind == "bool" and not isinstance(value, bool):
        return f"'{key.name}' must be true or false"
    if key.kind == "path" and not (isinstance(value, str) and value.strip()):
        return f"'{key.name}' must be a path (a non-empty string)"
    if key.kind == "list" and not (isinstance(value, str) and value.strip()
                                   or isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)):  # fmt: skip
        return f"'{key.name}' must be a string or a list of strings"
    return None


def _value(key: Key, raw: Any, base: Path) -> Any:
    """A value as the config file or a flag writes it, in the form Settings holds it."""
    if key.kind == "list":
        items = raw.split(",") if isinstance(raw, str) else raw
        return tuple(i.strip() for i in items if i.strip())
    if key.kind == "path":
        return base / Path(raw)
    return raw


def read_file(path: Path) -> dict[str, Any]:
    """The keys of a config file, checked: ConfigError naming the file and every problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    problems = [f"unknown key '{k}' (known: {', '.join(BY_NAME)})" for k in raw if k not in BY_NAME]
    problems += [p for k, v in raw.items() if k in BY_NAME and (p := _kind_problem(BY_NAME[k], v))]
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return {k: _value(BY_NAME[k], v, path.parent) for k, v in raw.items()}


def _check(settings: Settings) -> None:
    """Every value resolvable: FlagError for the first wrong flag, ConfigError naming every wrong key of the file."""
    checks = {"languages": lambda: settings.langs, "formats": lambda: settings.formats,
              "figure_formats": lambda: settings.figure_formats}  # fmt: skip
    problems = []
    for name in ("templates", "figures"):
        path = settings.values[name]
        if path is not None and not path.is_dir():
            message = f"{path}: no such {name} directory"
            if settings.sources[name] != CONFIG:
                raise BuildError(message)
            problems.append(f"key '{name}': {message}")
    for name, check in checks.items():
        try:
            check()
        except ValueError as exc:
            if settings.sources[name] == FLAG:
                raise FlagError(BY_NAME[name].flag, str(exc)) from None
            problems.append(f"key '{name}': {exc}")
    if problems:
        raise ConfigError(f"{settings.file}: " + "; ".join(problems))


def default_file() -> Path | None:
    """The config file when ``--config`` names none: ``$USTGLASS_CONFIG`` when set (empty: no file at all),
    else ``./ustglass.toml`` when it exists."""
    named = os.environ.get(CONFIG_ENV)
    if named is not None:
        return Path(named) if named else None
    return Path(CONFIG_NAME) if Path(CONFIG_NAME).is_file() else None


def load(flags: Mapping[str, Any], config: Path | None = None, *, defaults: Mapping[str, Any] | None = None) -> Settings:
    """Defaults (``defaults`` overriding the built-in ones for a command), then ``config`` (or
    ``./ustglass.toml`` when present), then ``flags`` (a key's value, None when not given)."""
    unknown = sorted(set(flags) - set(BY_NAME))
    if unknown:
        raise ValueError(f"no such setting: {', '.join(unknown)}")
    file = config if config is not None else default_file()
    from_file = read_file(file) if file is not None else {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key in KEYS:
        given = flags.get(key.name)
        if given is not None:
            values[key.name], sources[key.name] = _value(key, given, Path()), FLAG
        elif key.name in from_file:
            values[key.name], sources[key.name] = from_file[key.name], CONFIG
        else:
            default = (defaults or {}).get(key.name, key.default)
            values[key.name], sources[key.name] = _value(key, default, Path()) if isinstance(default, str) else default, DEFAULT
    settings = Settings(values, sources, file)
    _check(settings)
    return settings
