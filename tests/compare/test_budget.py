"""The budget: the step count the trainer will run, the sample cap, and bad budgets."""

from __future__ import annotations

import math

import pytest

from synthlib.compare.budget import Budget


@pytest.mark.parametrize("rows,batch,steps", [(10, 3, 10), (7, 8, 5), (100, 16, 60), (33, 16, 1), (1, 1, 7)])
def test_epochs_give_the_trainer_exactly_the_budgets_steps(rows, batch, steps):
    epochs = Budget(100, student_steps=steps).epochs_for(rows, batch)
    assert math.ceil(math.ceil(rows / batch) * epochs) == steps  # synthlib.students.training._total_steps


def test_the_sample_cap_keeps_the_first_rows_and_zero_means_no_cap():
    rows = [{"id": i} for i in range(5)]
    assert Budget(100, samples=2).cap_rows(rows) == rows[:2]
    assert Budget(100, samples=0).cap_rows(rows) == rows


@pytest.mark.parametrize("kwargs", [{"teacher_tokens": 0}, {"teacher_tokens": 10, "samples": -1},
                                    {"teacher_tokens": 10, "student_steps": 0}])
def test_bad_budgets_are_refused(kwargs):
    with pytest.raises(ValueError):
        Budget(**kwargs)
