"""Shared fixtures: a small but complete directory of official files, paths to the shipped data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import official_dir

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data_snapshots"
RAW = Path(os.environ.get("USTGLASS_RAW_DIR", REPO.parent / "shared" / "raw"))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the user's own cache and config."""
    monkeypatch.setenv("USTGLASS_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


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
