"""The sandbox every template renders in: no Python internals, no file outside its folder,
bounded work, and one line naming the template and line when something goes wrong.

- **Environment**: Jinja's :class:`ImmutableSandboxedEnvironment` (no ``__class__``, no
  mutation of lists and dicts), ``StrictUndefined``, autoescape for ``*.html.j2``.
- **Loader**: :class:`RealPathLoader` resolves every file's real path (symbolic links
  included) and refuses one that leads outside the folder it was found in.
- **Limits**: text a template makes is bounded where it is made (``*``, ``+`` and ``%`` on
  strings and lists, ``**`` on numbers, string methods and filters that pad or replace,
  ``range``, namespace values; ``lipsum`` and ``random`` are gone) and in what it writes (:data:`OUTPUT_LIMIT`
  characters); a watchdog stops a render that runs longer than :data:`TIME_LIMIT` seconds or
  grows the process by more than :data:`MEMORY_LIMIT` bytes.
- **Errors**: :func:`render` turns any failure of a template into a :class:`BuildError`
  ``<template>, line N: <what>``.
"""

from __future__ import annotations

import ctypes
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import update_wrapper, wraps
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import Namespace
from markupsafe import Markup

from ustglass.errors import BuildError, UstglassError

OUTPUT_LIMIT = 20_000_000  # characters one rendered template, or any string in it, may hold
TIME_LIMIT = 20.0  # seconds one template may take to render
MEMORY_LIMIT = 512 * 2**20  # bytes the process may grow by while one template renders
STEP_LIMIT = 10_000_000  # steps of range() one render may take, all loops together
POWER_LIMIT = 100_000  # bits of an integer ``**`` may make
HTML_TEMPLATES = ("html.j2",)  # file endings rendered with autoescape
_WATCH_INTERVAL = 0.02  # seconds between the watchdog's looks


class TemplateLimit(jinja2.exceptions.SecurityError):
    """A template asked for more text, steps or time than a template may use."""


class TemplateOutside(jinja2.exceptions.TemplateNotFound):
    """A template file whose real path (symbolic links resolved) lies outside its folder."""

    def __init__(self, name: str, message: str):
        super().__init__(name, message)


def display(path: str | os.PathLike[str]) -> str:
    """A path for messages: relative to the working directory when inside it, else as it is."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd())) if p.is_absolute() else str(p)
    except ValueError:
        return str(p)


def _n(value: float) -> str:
    return f"{value:,.0f}"


# ---------------------------------------------------------------- loader


class RealPathLoader(jinja2.BaseLoader):
    """Templates from ``roots`` in order (an editor's folder first, then the shipped one); a
    file is read only if its real path lies inside the real path of the root it was found in."""

    def __init__(self, roots: Sequence[Path]):
        self.roots = [(Path(r), Path(r).resolve()) for r in roots]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses '..' and absolute names
        for root, real_root in self.roots:
            path = root.joinpath(*pieces)
            if not (path.is_file() or path.is_symlink()):
                continue
            real = path.resolve()
            if not real.is_relative_to(real_root):
                raise TemplateOutside(template, f"{display(path)} leads outside {display(root)} (a symbolic link to {real}); "
                                                "refusing to read it")  # fmt: skip
            if not real.is_file():
                raise jinja2.TemplateNotFound(template, f"{display(path)}: a symbolic link to nothing ({real})")
            try:
                source = real.read_text(encoding="utf-8")
                mtime = real.stat().st_mtime
            except (OSError, UnicodeDecodeError) as exc:
                raise jinja2.TemplateNotFound(template, f"{display(path)}: cannot read it ({exc})") from None
            return source, str(path), lambda real=real, mtime=mtime: real.is_file() and real.stat().st_mtime == mtime
        raise jinja2.TemplateNotFound(template)


# ---------------------------------------------------------------- limits on what a template makes


def _too_long(what: str, size: float) -> TemplateLimit:
    return TemplateLimit(f"{what} would make {_n(size)} characters; a template may make at most {_n(OUTPUT_LIMIT)}")


def _check_size(value: Any, what: str = "this") -> Any:
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > OUTPUT_LIMIT:
        raise _too_long(what, len(value))
    return value


_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_WIDTH = re.compile(r"\d+")


def _format_widths(fmt: str, *, printf: bool) -> list[int]:
    """The widths and precisions a format string asks for (``%9s``, ``{:>9}``); ``*`` and nested
    fields count as unbounded."""
    if printf:
        specs = [w for m in _PRINTF.finditer(fmt) for w in m.groups() if w]
    else:
        specs = [w for spec in re.findall(r"\{[^{}]*?:([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", fmt)
                 for w in ([*_WIDTH.findall(spec)] + (["*"] if "{" in spec else []))]  # fmt: skip
    return [OUTPUT_LIMIT + 1 if w == "*" else int(w) for w in specs]


def _check_format(fmt: str, args: Any, *, printf: bool) -> None:
    widths = _format_widths(fmt, printf=printf)
    if widths and max(widths) > OUTPUT_LIMIT:
        items = list(args) if isinstance(args, (tuple, list)) else [args]
        items += [v for a in items if isinstance(a, Mapping) for v in a.values()]
        numbers = [a for a in items if isinstance(a, int)]
        if max(widths) <= OUTPUT_LIMIT + 1 and all(abs(a) <= OUTPUT_LIMIT for a in numbers):
            return  # a width taken from the arguments, all of them small
        raise TemplateLimit(f"a format asking for a width of more than {_n(OUTPUT_LIMIT)} characters")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    seqs = (str, bytes, list, tuple)
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, seqs) and isinstance(times, int) and len(seq) * times > OUTPUT_LIMIT:
                raise _too_long(f"{_short(seq)} * {times}", len(seq) * times)
    elif operator == "+" and isinstance(left, seqs) and isinstance(right, seqs):
        if len(left) + len(right) > OUTPUT_LIMIT:
            raise _too_long("'+'", len(left) + len(right))
    elif operator == "%" and isinstance(left, str):
        _check_format(left, right, printf=True)
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
        if right * math.log2(abs(left)) > POWER_LIMIT:
            raise TemplateLimit(f"{left} ** {right} is too large a number (more than {_n(POWER_LIMIT)} bits)")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + "..."


def _check_str_method(obj: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """Refuse a string method call whose result would be too long, before it is made."""
    owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int) and args[0] > OUTPUT_LIMIT:
        raise _too_long(f"str.{name}({args[0]})", args[0])
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _check_replace(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1))
    if name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int) and len(owner) + owner.count("\t") * size > OUTPUT_LIMIT:
            raise _too_long("str.expandtabs", len(owner) + owner.count("\t") * size)
    if name == "join" and args and isinstance(args[0], (list, tuple)):
        _check_join(owner, args[0])


def _check_replace(text: str, old: str, new: str, count: Any) -> None:
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * (len(new) - len(old)) > OUTPUT_LIMIT:
        raise _too_long("replace", len(text) + hits * (len(new) - len(old)))


def _check_join(sep: str, items: Sequence[Any]) -> None:
    size = sum(len(x) for x in items if isinstance(x, str)) + len(sep) * max(len(items) - 1, 0)
    if size > OUTPUT_LIMIT:
        raise _too_long("join", size)


def _check_filter(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """Refuse a filter call whose result would be too long, before it is made."""
    value, rest = (args[0], args[1:]) if args else (None, ())
    if name == "center":
        width = rest[0] if rest else kwargs.get("width", 80)
        if isinstance(width, int) and width > OUTPUT_LIMIT:
            raise _too_long(f"center({width})", width)
    elif name == "indent" and isinstance(value, str):
        width = rest[0] if rest else kwargs.get("width", 4)
        pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        if len(value) + (value.count("\n") + 1) * pad > OUTPUT_LIMIT:
            raise _too_long(f"indent({width!r})", len(value) + (value.count("\n") + 1) * pad)
    elif name == "replace" and isinstance(value, str) and len(rest) >= 2:
        _check_replace(value, str(rest[0]), str(rest[1]), rest[2] if len(rest) > 2 else kwargs.get("count"))
    elif name == "join" and isinstance(value, (list, tuple)):
        _check_join(str(rest[0] if rest else kwargs.get("d", "")), value)
    elif name == "format" and isinstance(value, str):
        _check_format(value, [*rest, *kwargs.values()], printf=True)


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)  # keeps jinja's pass_context / pass_eval_context marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        _check_filter(name, args[1:] if getattr(func, "jinja_pass_arg", None) else args, kwargs)
        return _check_size(func(*args, **kwargs), f"filter {name!r}")

    return bounded


class _BoundedRange:
    """``range()`` for templates: at most Jinja's MAX_RANGE items, each step counted."""

    def __init__(self, *args: int):
        self._range = safe_range(*args)

    def __len__(self) -> int:
        return len(self._range)

    def __iter__(self) -> Iterator[int]:
        for i, value in enumerate(self._range):
            if i % 1024 == 0:
                _tick(1024)
            yield value

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __contains__(self, value: object) -> bool:
        return value in self._range

    def __reversed__(self) -> Iterator[int]:
        return reversed(self._range)

    def __repr__(self) -> str:
        return repr(self._range)


def _lipsum(*args: Any, **kwargs: Any) -> str:
    """Placeholder text is random: it would make two builds differ, and it can be made huge."""
    shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    raise TemplateLimit(f"lipsum({shown}) is not available: its filler text is random and would make every build different")


class _BoundedNamespace(Namespace):
    """``namespace()`` whose values are bounded like every other string."""

    def __setitem__(self, name: str, value: Any) -> None:
        _check_size(value, f"namespace value {name!r}")
        Namespace.__setitem__(self, name, value)


# ---------------------------------------------------------------- the environment


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the limits above on everything a template calls."""

    intercepted_binops = frozenset({"*", "+", "%", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _tick()
        for arg in (*args, *kwargs.values()):
            _check_size(arg, "an argument")
        _check_str_method(__obj, args, kwargs)
        return _check_size(super().call(__context, __obj, *args, **kwargs), "a call")

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        """Reaching for an internal attribute stops the render at once, naming that attribute."""
        raise jinja2.exceptions.SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe.")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map`` as Jinja's sandbox wraps them, refusing huge widths first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_format(fmt, [*args, *kwargs.values()], printf=False)
            return wrapped(*args, **kwargs)

        return update_wrapper(checked, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)


def environment(search_path: Sequence[Path], cls: type[BoundedSandbox] = BoundedSandbox) -> BoundedSandbox:
    """A bounded sandbox (``cls``, a subclass adding state, or BoundedSandbox) loading from
    ``search_path`` in order (editor overrides first)."""
    env = cls(
        loader=RealPathLoader(search_path),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=HTML_TEMPLATES, default_for_string=False, default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.pop("random", None)  # the same inputs always give the same brief
    env.filters.update({name: _bounded_filter(name, f) for name, f in env.filters.items()})
    env.globals.update(range=_BoundedRange, lipsum=_lipsum, namespace=_BoundedNamespace)
    return env


def trusted(text: str) -> Markup:
    """Text already made safe for HTML (a rendered body, a stylesheet), placed as it is."""
    return Markup(text)


# ---------------------------------------------------------------- rendering, watched


class _Stopped(BaseException):
    """Raised into a render by the watchdog (a BaseException, so no handler in Jinja keeps it)."""


class _Watch:
    """Per render: the deadline, the steps taken, and why the watchdog stopped it."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + TIME_LIMIT
        self.steps = 0
        self.reason = ""


_local = threading.local()


def _tick(steps: int = 1) -> None:
    """Count steps of the current render and stop it past its limits (called from the sandbox)."""
    watch: _Watch | None = getattr(_local, "watch", None)
    if watch is None:
        return
    watch.steps += steps
    if watch.steps > STEP_LIMIT:
        raise TemplateLimit(f"more than {_n(STEP_LIMIT)} loop steps; a template may take at most that many")
    if time.monotonic() > watch.deadline:
        raise TemplateLimit(f"rendering took longer than {TIME_LIMIT:g} s; stopped")


def _memory() -> int:
    """Resident memory of this process in bytes (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


def _watched(run: Callable[[], str], watch: _Watch) -> str:
    """``run()`` in this thread, while a watchdog thread stops it past the time or memory limit."""
    target, start, lock, done = threading.get_ident(), _memory(), threading.Lock(), threading.Event()

    def stop(reason: str) -> None:
        with lock:
            if not done.is_set():
                watch.reason = reason
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(_Stopped))
                done.set()

    def guard() -> None:
        while not done.wait(_WATCH_INTERVAL):
            if time.monotonic() > watch.deadline + 1.0:
                stop(f"rendering took longer than {TIME_LIMIT:g} s; stopped")
            elif _memory() - start > MEMORY_LIMIT:
                stop(f"rendering used more than {MEMORY_LIMIT // 2**20} MB of memory; stopped")

    dog = threading.Thread(target=guard, name="ustglass-template-watchdog", daemon=True)
    _local.watch = watch
    try:
        dog.start()
        result = run()
    finally:
        with lock:
            done.set()
            if watch.reason:  # a stop not yet delivered is cleared here and raised below, never later
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)
        _local.watch = None
    if watch.reason:
        raise _Stopped()
    return result


def _collect(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """The template's output, stopped as soon as it exceeds OUTPUT_LIMIT characters."""
    parts, size = [], 0
    stream: Any = template.generate(**context)  # a generator, closed when cut short
    for part in stream:
        size += len(part)
        if size > OUTPUT_LIMIT:
            exc = TemplateLimit(f"the output exceeds {_n(OUTPUT_LIMIT)} characters; a template may write at most that many")
            exc.filename, exc.lineno = _paused_at(stream)  # type: ignore[attr-defined]
            stream.close()
            raise exc
        parts.append(part)
    return "".join(parts)


def _paused_at(stream: Any) -> tuple[str | None, int | None]:
    """(template file, line) where a template's output generator is paused, innermost first."""
    found: tuple[str | None, int | None] = (None, None)
    while stream is not None:
        frame = getattr(stream, "gi_frame", None)
        template = frame.f_globals.get("__jinja_template__") if frame is not None else None
        if frame is not None and template is not None:
            found = (template.filename, template.get_corresponding_lineno(frame.f_lineno))
        stream = getattr(stream, "gi_yieldfrom", None)
    return found


def _where(exc: BaseException, fallback: str) -> str:
    """``<template file>, line N`` of the innermost template frame of ``exc``'s traceback."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not (filename and line):
        tb = exc.__traceback__
        while tb is not None:
            glob = tb.tb_frame.f_globals
            template = glob.get("__jinja_template__")
            if template is not None:
                filename, line = template.filename, template.get_corresponding_lineno(tb.tb_lineno)
            elif "__jinja_exception__" in glob:
                filename, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
    where = display(filename) if filename else fallback
    return f"{where}, line {line}" if line else where


def _message(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "templates call each other too deeply (a macro or include that never ends?)"
    if isinstance(exc, MemoryError):
        return "out of memory"
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    if isinstance(exc, jinja2.TemplateError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__  # a Python error: its kind says what went wrong


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render template ``name`` with ``context``, bounded; any failure is one BuildError
    ``<template>, line N: <what>``, and nothing of the output is returned."""
    watch = _Watch()
    try:
        return _watched(lambda: _collect(env.get_template(name), context), watch)
    except _Stopped as exc:
        raise BuildError(f"{_where(exc, name)}: {watch.reason}") from None
    except UstglassError:
        raise  # a language pack's own error (a missing key) names its file already
    except jinja2.TemplateNotFound as exc:
        if isinstance(exc, TemplateOutside) or exc.message != exc.name:
            raise BuildError(f"{_where(exc, name)}: {exc.message}") from None
        where = _where(exc, "")
        raise BuildError(f"{where + ': ' if where else ''}template {exc.name!r} not found") from None
    except Exception as exc:  # the boundary of an editor's template: whatever it raises is one line
        raise BuildError(f"{_where(exc, name)}: {_message(exc)}") from None
