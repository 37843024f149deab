"""What an adapter gets (one grid cell's inputs) and returns (its training rows and scores).

An adapter drives one method's own public functions to a :class:`~synthlib.compare.budget.Budget`:
it asks the method for more work than the budget allows and lets the metered teacher stop it, so
every method spends (nearly) the same teacher tokens. Adapters import their method; methods never
import ``synthlib.compare``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.compare.budget import Budget
from synthlib.compare.meter import MeteredTeacher
from synthlib.compare.tasks import TaskRows

#: the largest request batch a growing method asks for at once (a safety bound, never reached in practice)
MOST_SAMPLES = 1 << 14


@dataclass
class CellInput:
    """Everything one cell needs: the task's rows, the seed, the budget and the metered teacher."""

    task: TaskRows
    seed: int
    budget: Budget
    teacher: MeteredTeacher
    work_dir: Path
    config: Any  # the CompareConfig (method knobs, student references, sampling)
    progress: Callable[[str], None] = print


@dataclass
class CellOutput:
    """A method's training rows (after the sample cap) and the final student's scores."""

    rows: list[dict]
    generated: int  # rows made before the cap
    scores: dict[str, float] = field(default_factory=dict)
    note: str = ""


def grow(make: Callable[[int], list[dict]], teacher: MeteredTeacher, target: int, start: int = 8) -> list[dict]:
    """Ask ``make(n)`` for ever larger ``n`` (doubling) until the budget is spent or ``target`` rows parsed.

    The methods draw sample i's choices from ``(seed, i)``, so a larger call repeats the smaller
    one's requests; the meter charges each request once and the cache answers the repeats.
    """
    n, rows = max(1, start), []
    while True:
        rows = make(n)
        if teacher.exhausted or (target and len(rows) >= target) or n >= MOST_SAMPLES:
            return rows[:target] if target else rows
        n *= 2


def trainable(rows: list[dict], classification: bool) -> bool:
    """At least two rows, and two labels for a classifier (else no student is trained or scored)."""
    if len(rows) < 2:
        return False
    return not classification or len({int(r["label"]) for r in rows}) >= 2


TOO_FEW = "too few usable samples to train a student (fewer than 2 rows, or a single label)"
