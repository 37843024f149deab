"""Execute notebooks headless with papermill, many from one process (papermill's import is slow)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthlib.runs.rundir import ENV_VAR as RUNS_ENV

#: when set, every notebook executed cleanly with its profile's own parameters (no overrides) is also
#: copied to this folder as ``<name>.ipynb``: CI's book build then reuses what the tests executed
#: (``synthlib book --executed``) instead of executing the same notebook twice
KEEP_ENV = "SYNTHLIB_KEEP_EXECUTED"


@dataclass
class Execution:
    """Outcome of one notebook execution."""

    name: str
    output: Path
    seconds: float
    error: str | None = None


def execute_notebook(path: Path, output: Path, profile: str, params: dict[str, Any], runs_dir: Path,
                     timeout: int | None = None) -> Execution:
    """Run ``path`` with papermill into ``output`` (written atomically); never raises on cell errors."""
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial.ipynb")
    os.environ[RUNS_ENV] = str(runs_dir)  # the kernel inherits it: run dirs land in the build tree
    started = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(str(path), str(partial), parameters={"profile": profile, "params": params},
                                   kernel_name="python3", cwd=str(path.parent), progress_bar=False,
                                   execution_timeout=timeout)
    except papermill.PapermillExecutionError as err:
        error = f"cell {err.exec_count}: {err.ename}: {err.evalue}"
    finally:
        if partial.exists():
            os.replace(partial, output)  # keep the executed copy even on failure, for reading the error
    if error is None and not params and os.environ.get(KEEP_ENV):
        keep(output, Path(os.environ[KEEP_ENV]) / f"{path.stem}.ipynb")
    return Execution(path.stem, output, time.perf_counter() - started, error)


def keep(executed: Path, target: Path) -> None:
    """Copy an executed notebook to ``target`` atomically (a reader never sees half a file)."""
    import shutil

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(executed, partial)
    os.replace(partial, target)


def execute_all(paths: list[Path], out_dir: Path, profile: str, runs_dir: Path,
                params: dict[str, dict[str, Any]] | None = None) -> list[Execution]:
    """Execute every notebook in ``paths`` into ``out_dir``; report progress on stdout."""
    results = []
    for index, path in enumerate(paths, 1):
        print(f"[{index}/{len(paths)}] executing {path.name} (profile {profile})", flush=True)
        result = execute_notebook(path, out_dir / path.name, profile, (params or {}).get(path.stem, {}), runs_dir)
        status = f"FAILED: {result.error}" if result.error else "ok"
        print(f"    {path.name}: {status} in {result.seconds:.1f}s", flush=True)
        results.append(result)
    return results


def executed_profile(path: Path) -> str | None:
    """The profile an executed notebook ran in (from its injected parameters), or None."""
    import json

    cells = json.loads(Path(path).read_text()).get("cells", [])
    for cell in cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            for line in "".join(cell.get("source", "")).splitlines():
                if line.replace(" ", "").startswith("profile="):
                    return line.split("=", 1)[1].strip().strip("'\"")
    return None


def reusable(paths: list[Path], directory: Path, profile: str) -> dict[str, Path]:
    """Notebooks of ``paths`` already executed in ``profile`` in ``directory`` (``<name>.ipynb``), by name.

    A notebook executed in another profile is an error rather than a silent mix of profiles in one book.
    """
    from synthlib.config import ConfigError

    found = {}
    for path in paths:
        candidate = Path(directory) / path.name
        if not candidate.is_file():
            continue
        ran_in = executed_profile(candidate)
        if ran_in != profile:
            raise ConfigError(f"{candidate} was executed in profile '{ran_in}', not '{profile}'; "
                              f"run it again (synthlib run {path.stem} --profile {profile} -o {candidate}) or remove it")
        found[path.stem] = candidate
    return found
