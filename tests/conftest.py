"""Shared fixtures: a small but complete directory of official files, paths to the shipped data.

Every test is kept off the network: sockets may connect to 127.0.0.1 only (the local test server)."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

import official_dir

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
RAW = Path(os.environ.get("USTGLASS_RAW_DIR", REPO.parent / "shared" / "raw"))


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


def _check_address(sock: socket.socket, address: object) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0] if isinstance(address, tuple) else address
        if host not in LOCAL_HOSTS:
            raise RuntimeError(f"network access in a test: {address!r}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(self, address)
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(self, address)
    return _connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sockets may connect to 127.0.0.1 only; no mirror variable leaks in from the environment."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    for source in ("FRED", "CFTC", "TIC", "FISCALDATA", "NYFED"):
        monkeypatch.delenv(f"USTGLASS_{source}_URL", raising=False)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the user's own cache and config."""
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("USTGLASS_CONFIG", "")  # no ustglass.toml of the working directory


@pytest.fixture
def official(tmp_path: Path) -> Path:
    """A directory of official-layout files covering every dataset the brief needs."""
    return official_dir.write(tmp_path / "official")


@pytest.fixture
def raw_dir() -> Path:
    if not RAW.is_dir():
        pytest.skip("../shared/raw not present: the full official files are not available here")
    return RAW


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped snapshots."""
    target = tmp_path / "data_snapshots"
    shutil.copytree(SHIPPED, target)
    return target
