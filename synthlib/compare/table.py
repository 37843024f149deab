"""The grid's results as one tidy pandas table: one row per cell, one column per fact."""

from __future__ import annotations

from typing import Any

#: the table's columns, in order (the untuned student's rows have method "untuned" and budget 0)
COLUMNS = ("method", "task", "seed", "budget", "score", "metric", "teacher_tokens", "budget_used", "teacher_seconds",
           "student_seconds", "kept_samples", "generated_samples", "prompt_tokens", "completion_tokens",
           "teacher_calls", "cached_calls", "refused_calls", "truncated_calls", "budget_samples", "budget_steps",
           "device", "teacher", "student", "note")


def results_table(records: list[dict]) -> Any:
    """One row per cell record, in the grid's order, with the columns of :data:`COLUMNS`."""
    import pandas as pd

    frame = pd.DataFrame([{column: record.get(column) for column in COLUMNS} for record in records],
                         columns=list(COLUMNS))
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")  # a cell that trained nothing: NaN
    return frame
