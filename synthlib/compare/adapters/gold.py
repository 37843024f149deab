"""GOLD through its own functions (``synthlib.methods.gold``), driven to a token budget.

One iteration runs first to measure what an iteration costs (a training batch and an OOD batch);
the loop is then extended (it resumes from disk, replaying the student's updates) to as many
iterations as the remaining budget should pay for, plus one: the metered teacher stops it when the
tokens run out. The final student is GOLD's (SCE loss), trained for exactly the budget's steps.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from synthlib.compare.adapters.base import TOO_FEW, CellInput, CellOutput, trainable

TASKS = ("rte", "qnli", "adversarial_qa")


def gold_config(cell: CellInput) -> Any:
    """A GoldConfig for this cell (one task, the grid's teacher and students, the cell's seed)."""
    from synthlib.methods.gold import GoldConfig

    c = cell.config
    return GoldConfig(profile=c.profile, seed=cell.seed, teacher=c.teacher, student=c.student,
                      seq2seq_student=c.qa_student, tasks=[cell.task.name], methods=["gold"],
                      samples=c.gold_per_iteration, per_iteration=c.gold_per_iteration,
                      val_per_iteration=c.gold_val_per_iteration,
                      real_examples=min(3, len(cell.task.pool)), pool_rows=len(cell.task.pool),
                      test_rows=len(cell.task.test), temperature=c.temperature, top_p=c.top_p,
                      max_new_tokens=c.max_new_tokens, loop_epochs=c.loop_epochs, epochs=c.loop_epochs,
                      learning_rate=c.learning_rate, batch_size=c.batch_size, max_length=c.max_length,
                      work_dir=str(cell.work_dir))


def unsupported(config: Any, task: str) -> str | None:
    """Why GOLD cannot run ``task`` with this grid's students, or None."""
    if task == "adversarial_qa":
        from synthlib.methods.s3.learners import ENCODER_STUDENTS

        if config.qa_student in ENCODER_STUDENTS or "bert" in config.qa_student.lower():
            return (f"GOLD's QA student writes its answers, but qa_student '{config.qa_student}' is an encoder; set "
                    "qa_student to a seq2seq model (tiny-random-t5, a T5 id) that S3 and GOLD both train")
    return None


def run_gold(cell: CellInput) -> CellOutput:
    """GOLD's loop, extended until the budget is spent or the sample cap is reached."""
    from synthlib.methods.gold.loop import training_rows
    from synthlib.methods.gold.method import TaskRun, generate
    from synthlib.methods.gold.tasks import spec

    config, meter, cap = gold_config(cell), cell.teacher, cell.budget.samples
    data = TaskRun(spec(cell.task.name), cell.task.pool, cell.task.test)
    most = cell.config.gold_max_iterations
    iterations = 1
    loop = generate(data, "gold", config, meter, cell.work_dir, cell.progress, iterations=1)
    while not meter.exhausted and iterations < most and not (cap and len(training_rows(loop)) >= cap):
        per_iteration = max(1.0, meter.spent / iterations)
        iterations = min(most, iterations + 1 + math.ceil(meter.remaining / per_iteration))
        loop = generate(data, "gold", config, meter, cell.work_dir, cell.progress, iterations=iterations)
    return finish(cell, config, data, training_rows(loop))


def finish(cell: CellInput, config: Any, data: Any, rows: list[dict]) -> CellOutput:
    """Cap the rows, train GOLD's final student (its loss) for exactly the budget's steps, score it."""
    from synthlib.methods.gold.method import train_and_score

    kept = cell.budget.cap_rows(rows)
    if not trainable(kept, data.task.is_classification):
        return CellOutput(kept, len(rows), note=TOO_FEW)
    final = dataclasses.replace(config, epochs=cell.budget.epochs_for(len(kept), config.batch_size))
    scored = train_and_score(data, kept, final, config.loss, "gold", cell.progress)
    scores = {k: float(v) for k, v in scored.items() if k in ("accuracy", "macro_f1", "exact_match", "f1")}
    return CellOutput(kept, len(rows), scores)
