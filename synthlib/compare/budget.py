"""The budget every method in a head-to-head obeys, and the record of what a run actually spent.

A :class:`Budget` caps three things:

* **teacher tokens**, prompt + completion as the teacher backend counts them (a cached answer
  counts what it cost when it was made: the cache row keeps its token counts);
* **kept training samples**: the final student sees at most this many of the method's rows;
* **student steps**: the final student trains for exactly this many optimiser steps.

Teacher tokens are the axis of the cost curve; :class:`synthlib.compare.meter.MeteredTeacher`
enforces them. A :class:`Spend` is what a grid cell records beside its score.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

#: steps below this make the epochs of a tiny training set meaningless; a clear error instead
MIN_STEPS = 1


@dataclass(frozen=True)
class Budget:
    """What one method may spend in one grid cell."""

    teacher_tokens: int  # prompt + completion tokens, summed over every teacher call
    samples: int = 0  # kept training samples the final student may see (0: no cap)
    student_steps: int = 50  # optimiser steps of the final student

    def __post_init__(self) -> None:
        if self.teacher_tokens < 1:
            raise ValueError(f"a teacher-token budget must be >= 1, got {self.teacher_tokens}")
        if self.samples < 0 or self.student_steps < MIN_STEPS:
            raise ValueError(f"need samples >= 0 (0: no cap) and student_steps >= {MIN_STEPS}, got "
                             f"{self.samples} and {self.student_steps}")

    @property
    def label(self) -> str:
        """Short, file-name-safe name: ``4000tok``."""
        return f"{self.teacher_tokens}tok"

    def cap_rows(self, rows: list[dict]) -> list[dict]:
        """The first ``samples`` rows (all of them when there is no cap)."""
        return rows[: self.samples] if self.samples else list(rows)

    def epochs_for(self, rows: int, batch_size: int) -> float:
        """Epochs that make the students' trainer run exactly ``student_steps`` steps on ``rows`` rows.

        The trainer takes ``ceil(ceil(rows / batch) * epochs)`` steps; a hair under the exact ratio
        keeps float rounding from adding a step.
        """
        batches = max(1, -(-rows // batch_size))
        return (self.student_steps - 1e-6) / batches


@dataclass
class Spend:
    """What one cell spent, recorded beside its score."""

    teacher_tokens: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    teacher_calls: int = 0  # distinct requests answered (cache hits included)
    cached_calls: int = 0  # of those, answered from the cache (their tokens still count)
    refused_calls: int = 0  # requests the meter refused once the budget was spent
    truncated_calls: int = 0  # requests whose token limit the meter cut to fit the budget
    teacher_seconds: float = 0.0  # wall time inside the teacher in this run
    student_seconds: float = 0.0  # wall time outside the teacher: training, predicting, scoring
    kept_samples: int = 0  # rows the final student trained on
    generated_samples: int = 0  # rows the method made before the sample cap
    device: str = "cpu"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the cell record."""
        return dataclasses.asdict(self)


def device_name() -> str:
    """``cuda:<name>`` when a GPU trains the students, else ``cpu``."""
    import torch

    return f"cuda:{torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "cpu"
