"""The grid: plan the cells, run each one once, keep it, and resume a killed grid where it stopped.

Cells come in a fixed order: per task, the untuned student for every seed, then per budget, seed
and method the method's cell. A finished cell is ``cells/<key>.json`` (written atomically, after
its training rows ``cells/<key>.rows.jsonl``); a cell without that file is unfinished. A restarted
grid skips finished cells and reruns an unfinished one from scratch: its work folder is wiped, the
teacher cache answers every call the killed attempt made (so no teacher is called twice), and the
meter charges those answers their original tokens, so the rerun spends what the first attempt did.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthlib.compare.budget import Budget, Spend, device_name
from synthlib.compare.tasks import METRICS, TaskRows, load_task
from synthlib.runs import atomic

UNTUNED = "untuned"
#: config fields that do not change what a cell computes (the grid's axes, and where things are kept)
AXES = ("methods", "tasks", "skip", "seeds", "budgets", "alpha", "grid_dir", "cache", "profile")


@dataclass(frozen=True)
class Cell:
    """One point of the grid; ``budget`` is None for the untuned student."""

    method: str
    task: str
    seed: int
    budget: Budget | None

    @property
    def key(self) -> str:
        """File-name-safe identity: ``s3__rte__seed1__4000tok``."""
        return f"{self.method}__{self.task}__seed{self.seed}__{self.budget.label if self.budget else 'none'}"


def plan(config: Any) -> list[Cell]:
    """Every cell of the grid, in run order (the config validated the pairs already)."""
    pairs = config.pairs()
    cells = []
    for task in config.tasks:
        methods = [m for m, t in pairs if t == task]
        if not methods:
            continue
        cells += [Cell(UNTUNED, task, seed, None) for seed in config.seeds]
        for tokens in config.budgets:
            budget = Budget(tokens, config.samples, config.student_steps)
            cells += [Cell(m, task, seed, budget) for seed in config.seeds for m in methods]
    return cells


#: the prefix of the settings only one method reads: changing one (or adding a method with its own) keeps
#: every other method's finished cells (ZeroGen is S3's plain prompts, built by S3's config)
OWN_SETTINGS = {"s3": "s3_", "zerogen": "s3_", "gold": "gold_", "craft": "craft_", "softsrv": "softsrv_"}
_OWN_PREFIXES = tuple(sorted(set(OWN_SETTINGS.values())))


def settings_hash(config: Any, method: str | None = None) -> str:
    """A short hash of every setting that changes a cell's result (not the grid's axes): the shared ones,
    plus ``method``'s own (``OWN_SETTINGS``) when given. The grid folder is keyed by the shared ones."""
    own = OWN_SETTINGS.get(method or "")
    values = {k: v for k, v in config.to_dict().items()
              if k not in AXES and (not k.startswith(_OWN_PREFIXES) or (own is not None and k.startswith(own)))}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:12]


def grid_directory(config: Any, run_dir: Any = None) -> Path:
    """Where the cells live: the shared cache folder of these settings, the run directory, or a path."""
    if config.grid_dir == "shared":
        from synthlib.config import cache_root

        return cache_root() / "compare" / f"{config.teacher.replace('/', '_').replace(':', '_')}-{settings_hash(config)}"
    if config.grid_dir:
        return Path(config.grid_dir)
    if run_dir is not None:
        return Path(run_dir.path) / "grid"
    import tempfile

    return Path(tempfile.mkdtemp(prefix="compare-"))


def run_grid(config: Any, directory: Path, teacher: Any = None, progress: Callable[[str], None] = print,
             after_cell: Callable[[Cell, dict], None] | None = None) -> list[dict]:
    """Run every unfinished cell in order and return all cell records (finished ones read back)."""
    directory = Path(directory)
    cells, tasks, records = plan(config), {}, []
    for index, cell in enumerate(cells):
        expected = settings_hash(config, cell.method)
        record = read_cell(directory, cell, expected)
        if record is None:
            if cell.task not in tasks:
                tasks[cell.task] = load_task(cell.task, config.pool_rows, config.test_rows, config.seed)
            if teacher is None and cell.budget is not None:
                teacher = open_teacher(config)
            progress(f"cell {index + 1}/{len(cells)}: {cell.key}")
            record = run_cell(cell, tasks[cell.task], config, teacher, directory, progress)
            record["settings"] = expected
            write_cell(directory, cell, record)
        records.append(record)
        if after_cell is not None:
            after_cell(cell, record)
    return records


def open_teacher(config: Any) -> Any:
    """The grid's one teacher, always behind the SQLite cache (the scripted stand-in too: resume needs it)."""
    from synthlib.compare.scripted import REFERENCE, CompareScriptedTeacher
    from synthlib.teachers.cache import CachedTeacher

    path = config.cache or None
    if config.teacher == REFERENCE:
        return CachedTeacher(CompareScriptedTeacher(), path, progress=False)
    from synthlib.teachers import load_teacher

    return load_teacher(config.teacher, cache=path or True)


def run_cell(cell: Cell, task: TaskRows, config: Any, teacher: Any, directory: Path,
             progress: Callable[[str], None]) -> dict:
    """Run one cell from scratch in a fresh work folder; its record (scores beside its spend)."""
    work = directory / "work" / cell.key
    shutil.rmtree(work, ignore_errors=True)  # an unfinished attempt's loop state: the cache replays it
    work.mkdir(parents=True)
    started = time.perf_counter()
    if cell.budget is None:
        from synthlib.compare.untuned import untuned_scores

        scores, rows, generated, note, spend = untuned_scores(task, config, cell.seed), [], 0, "", Spend()
    else:
        scores, rows, generated, note, spend = _method_cell(cell, task, config, teacher, work, progress)
    spend.student_seconds = time.perf_counter() - started - spend.teacher_seconds
    spend.kept_samples, spend.generated_samples, spend.device = len(rows), generated, device_name()
    _write_rows(directory / "cells" / f"{cell.key}.rows.jsonl", rows)
    shutil.rmtree(work, ignore_errors=True)
    budget = cell.budget
    return {"method": cell.method, "task": cell.task, "seed": cell.seed,
            "budget": budget.teacher_tokens if budget else 0, "metric": METRICS[cell.task],
            "score": scores.get(METRICS[cell.task]), "scores": scores, **spend.to_dict(),
            "budget_used": spend.teacher_tokens / budget.teacher_tokens if budget else 0.0,
            "budget_samples": budget.samples if budget else 0, "budget_steps": budget.student_steps if budget else 0,
            "teacher": config.teacher, "student": config.student if task.is_classification else config.qa_student,
            "note": note}


def _method_cell(cell: Cell, task: TaskRows, config: Any, teacher: Any, work: Path, progress) -> tuple:
    from synthlib.compare.adapters import ADAPTERS, CellInput
    from synthlib.compare.meter import MeteredTeacher

    meter = MeteredTeacher(teacher, cell.budget.teacher_tokens)
    out = ADAPTERS[cell.method].run(CellInput(task, cell.seed, cell.budget, meter, work, config, progress))
    spend = Spend(teacher_tokens=meter.spent, prompt_tokens=meter.prompt_tokens,
                  completion_tokens=meter.completion_tokens, teacher_calls=meter.calls,
                  cached_calls=meter.cached_calls, refused_calls=meter.refused_calls,
                  truncated_calls=meter.truncated_calls, teacher_seconds=meter.seconds)
    return out.scores, out.rows, out.generated, out.note, spend


def read_cell(directory: Path, cell: Cell, expected: str) -> dict | None:
    """The finished cell's record, or None when it has not finished. A record made with other settings of
    its method (say another ``gold_per_iteration``) is moved to ``cells/superseded/`` and the cell reruns."""
    path = Path(directory) / "cells" / f"{cell.key}.json"
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    if record.get("settings") != expected:
        superseded = path.parent / "superseded"
        superseded.mkdir(exist_ok=True)
        for old in (path.with_suffix(".rows.jsonl"), path):  # the record last: it marks the cell finished
            if old.is_file():
                old.replace(superseded / f"{old.name}.{record.get('settings')}")
        return None
    return record


def write_cell(directory: Path, cell: Cell, record: dict) -> Path:
    """Write the cell's record atomically: from now on the cell counts as finished."""
    return atomic.write_json(Path(directory) / "cells" / f"{cell.key}.json", record)


def _write_rows(path: Path, rows: list[dict]) -> None:
    text = "".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows)
    atomic.write_text(path, text)
