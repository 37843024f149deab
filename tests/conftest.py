"""Shared fixtures. Tests that need the data mirror skip without it, except under CI where they fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _mirror() -> Path | None:
    value = os.environ.get("SYNTHLIB_DATA_DIR")
    path = Path(value) if value else REPO.parent / "shared" / "data"
    return path if (path / "MANIFEST.sha256").is_file() else None


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real data mirror; SYNTHLIB_DATA_DIR is set to it for the whole session."""
    path = _mirror()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs the data mirror: set SYNTHLIB_DATA_DIR=../shared/data")
        pytest.skip("no data mirror (set SYNTHLIB_DATA_DIR)")
    return path


@pytest.fixture
def use_mirror(mirror, monkeypatch) -> Path:
    """Point SYNTHLIB_DATA_DIR at the real mirror for one test."""
    monkeypatch.setenv("SYNTHLIB_DATA_DIR", str(mirror))
    return mirror


@pytest.fixture(autouse=True)
def _isolated_runs(tmp_path, monkeypatch):
    # run directories written by tests go to a temporary folder, never into the checkout
    monkeypatch.setenv("SYNTHLIB_RUNS_DIR", str(tmp_path / "runs"))
