"""Provenance of a run: code version, packages, data file hashes, model signatures."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

TRACKED_PACKAGES = ("synthlib", "torch", "transformers", "datasets", "peft", "sentence-transformers",
                    "scikit-learn", "numpy", "pandas", "rapidfuzz", "mauve-text", "papermill", "jupyter-book")
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)


def git_state(repo: Path | None = None) -> dict[str, Any]:
    """Current commit and whether the work tree has uncommitted changes (None outside git)."""
    repo = repo or Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(dirty)}


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages that shape results (None when absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment_settings() -> dict[str, str]:
    """The SYNTHLIB_* / HF_* settings that affect a run, with anything secret-looking removed."""
    return {k: v for k, v in sorted(os.environ.items())
            if k.startswith(("SYNTHLIB_", "HF_")) and not _SECRET_NAME.search(k)}


def build_manifest(config: dict[str, Any], data_files: dict[str, str],
                   models: dict[str, Any] | None = None) -> dict[str, Any]:
    """Assemble the manifest written beside every run's results."""
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_state(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "environment": environment_settings(),
        "config": config,
        "data_files": data_files,
        "models": models or {},
    }
