"""Run directories: one per notebook execution, holding everything needed to trust a number.

Layout::

    <runs root>/<notebook>/<profile>-<UTC time>-<pid>/
        config.yaml      the resolved config
        manifest.json    git commit, package versions, data file hashes, model signatures
        results.json     the numbers the notebook reports
        figures/*.png    every figure the notebook shows
        tables/*.csv     every table the notebook shows

The root is ``$SYNTHLIB_RUNS_DIR`` (``synthlib run`` and ``synthlib book`` point it into the build
tree) or ``./runs``. Every file is written atomically.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from synthlib.runs import atomic
from synthlib.runs.manifest import build_manifest

ENV_VAR = "SYNTHLIB_RUNS_DIR"


def runs_root() -> Path:
    """Where run directories go: ``$SYNTHLIB_RUNS_DIR`` or ``./runs``."""
    return Path(os.environ.get(ENV_VAR) or "runs").resolve()


class RunDir:
    """A run directory bound to one config. Create with :func:`open_run`."""

    def __init__(self, path: Path, config: Any):
        self.path = path
        self.config = config
        self.models: dict[str, Any] = {}
        self.results: dict[str, Any] = {}

    def add_model(self, role: str, signature: dict[str, Any]) -> None:
        """Record a model's signature (backend, id, revision/hash, dtype, adapter) under ``role``."""
        self.models[role] = signature

    def save_results(self, results: dict[str, Any]) -> Path:
        """Merge ``results`` into results.json and refresh the manifest (data files read so far)."""
        from synthlib.data import used_files

        self.results.update(results)
        atomic.write_json(self.path / "manifest.json", build_manifest(self.config.to_dict(), used_files(), self.models))
        return atomic.write_json(self.path / "results.json", self.results)

    def save_figure(self, figure: Any, name: str, dpi: int = 110) -> Path:
        """Save a matplotlib figure as ``figures/<name>.png`` (atomically)."""
        import io

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        return atomic.write_bytes(self.path / "figures" / f"{name}.png", buffer.getvalue())

    def save_table(self, table: Any, name: str) -> Path:
        """Save a pandas DataFrame as ``tables/<name>.csv`` (atomically)."""
        return atomic.write_text(self.path / "tables" / f"{name}.csv", table.to_csv(index=False))

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"


def open_run(config: Any, root: Path | None = None) -> RunDir:
    """Create a fresh run directory for ``config`` and write its config.yaml and first manifest."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = (root or runs_root()) / config.name / f"{config.profile}-{stamp}-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path / "config.yaml", yaml.safe_dump(config.to_dict(), sort_keys=True))
    run = RunDir(path, config)
    run.save_results({})
    return run
