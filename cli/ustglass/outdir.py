"""Replace an output directory in one step, so that a reader never sees half of a build.

``report --out DIR`` writes the whole build into ``.<DIR>.ustglass-stage-<pid>-*`` beside DIR,
then switches the two directories with one atomic ``renameat2(RENAME_EXCHANGE)`` (Linux;
``renamex_np(RENAME_SWAP)`` on macOS) and removes the old build. DIR stays a real directory,
so ``DIR/brief.zh.pdf`` keeps working, and holds exactly one build: files of an earlier build
that this one does not make (say the Chinese brief, when only English is built) are gone.

Where the file system cannot exchange two directories, DIR is renamed aside and the stage
renamed into place; a run killed between the two renames leaves DIR missing and its previous
build aside, which the next run puts back first. Leftovers of killed runs (their pid is gone)
are removed at the start of every write.

DIR may hold only what a build writes: any other file makes the write refuse, so that
``--out .`` cannot replace a directory of someone's own files.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ustglass.errors import BuildError
from ustglass.oserrors import os_problem

STAGE, OLD = "stage", "old"
AT_FDCWD = -100
RENAME_EXCHANGE = 2  # linux/fs.h
RENAME_SWAP = 2  # macOS stdio.h
BUILD_FILE = re.compile(r"(brief\.[a-z]{2}\.(md|html|pdf)|key_figures\.json|\.ustglass-.*)")
FIGURE_FILE = re.compile(r"[\w.-]+\.png")


def _temp_name(target: Path, kind: str) -> str:
    return f".{target.name}.ustglass-{kind}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(target: Path, kind: str) -> list[Path]:
    """Temporaries of ``kind`` beside ``target`` whose run has ended."""
    prefix = _temp_name(target, kind)
    found = []
    for entry in target.parent.glob(f"{glob_escape(prefix)}*"):
        pid = entry.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            found.append(entry)
    return sorted(found)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def recover(target: Path) -> None:
    """Undo what killed runs left beside ``target``: put a previous build back, remove stages."""
    for old in _leftovers(target, OLD):
        if not os.path.lexists(target):
            os.rename(old, target)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for stage in _leftovers(target, STAGE):
        shutil.rmtree(stage, ignore_errors=True)


def foreign(target: Path) -> list[str]:
    """Entries of ``target`` that no build writes (at most a few, for the message)."""
    out = []
    for entry in sorted(target.iterdir()):
        if entry.name == "figures" and entry.is_dir() and not entry.is_symlink():
            out += [f"figures/{p.name}" for p in sorted(entry.iterdir()) if not (FIGURE_FILE.fullmatch(p.name) and p.is_file())]
        elif not BUILD_FILE.fullmatch(entry.name):
            out.append(entry.name)
    return out[:3]


def write_files(files: Mapping[str, bytes], directory: Path) -> None:
    """Write ``files`` (relative path -> bytes) into the existing empty ``directory``, synced to disk."""
    for rel, data in sorted(files.items()):
        path = directory / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, rel) from None  # name the file, not the temporary directory


def exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically; False where the system or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
            fn = libc.renameat2
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            result = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
        elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
            fn = libc.renamex_np
            fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
            result = fn(os.fsencode(a), os.fsencode(b), RENAME_SWAP)
        else:
            return False
    except OSError:
        return False
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _mode(target: Path) -> int:
    if target.is_dir():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _switch(stage: Path, target: Path) -> None:
    """Put ``stage`` in ``target``'s place in one step; the previous build ends up in ``stage``'s."""
    if not os.path.lexists(target):
        os.rename(stage, target)
        return
    if exchange(stage, target):
        return
    old = Path(tempfile.mkdtemp(prefix=f"{_temp_name(target, OLD)}{os.getpid()}-", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    os.rename(stage, target)
    os.rename(old, stage)


def replace_dir(files: Mapping[str, bytes], out_dir: Path) -> Path:
    """Make ``out_dir`` hold exactly ``files``, switched in one step; raises BuildError."""
    target = Path(os.path.realpath(out_dir))  # a symlink to the output: replace what it points at
    try:
        if target.parent == target:
            raise BuildError(f"{out_dir}: cannot be used as --out (the root directory)")
        target.parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        if os.path.lexists(target) and not target.is_dir():
            raise BuildError(f"{out_dir}: exists and is not a directory; choose a directory for --out")
        if target.is_dir() and (other := foreign(target)):
            raise BuildError(
                f"{out_dir}: holds files a build does not write ({', '.join(other)}); a build replaces the "
                "whole directory, so choose an empty or new directory for --out"
            )
        mode = _mode(target)
        stage = Path(tempfile.mkdtemp(prefix=f"{_temp_name(target, STAGE)}{os.getpid()}-", dir=target.parent))
    except OSError as exc:
        raise BuildError(f"{out_dir}: cannot write the brief ({os_problem(exc)})") from None
    try:
        stage.chmod(mode)
        write_files(files, stage)
        _switch(stage, target)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if exc.errno in (errno.EXDEV, errno.EBUSY):
            raise BuildError(f"{out_dir}: cannot be replaced in one step (a mount point?); use a directory inside it for --out") from None
        raise BuildError(f"{out_dir}: cannot write the brief ({os_problem(exc)})") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    shutil.rmtree(stage, ignore_errors=True)  # the previous build
    return target
