"""The untuned student: the grid's student scored on the test rows without any training.

It is the zero of "cost per point": a method's gain is its score minus this one (same task, same
seed, hence the same initialisation of any fresh head). Classification students are S3's
classifier (a fresh head on the pretrained encoder); QA students S3's extractive encoder or
seq2seq model, exactly as the methods load them before training.
"""

from __future__ import annotations

from typing import Any

from synthlib.compare.tasks import TaskRows


def untuned_scores(task: TaskRows, config: Any, seed: int) -> dict[str, float]:
    """The untrained student's test scores (percent) for ``task``."""
    from synthlib.methods.s3.learners import StudentSettings, make_learner
    from synthlib.methods.s3.tasks import spec

    task_spec = spec(task.name)
    reference = config.student if task.is_classification else config.qa_student
    learner = make_learner(task_spec, StudentSettings(reference=reference, max_length=config.max_length, seed=seed))
    learner.student = _fresh_student(learner, task_spec, reference, seed)
    scores = learner.score(task.test, learner.predict(task.test))
    if task.is_classification:  # S3's learners give fractions for classification; the grid reports percent
        scores = {k: 100 * v for k, v in scores.items()}
    return {k: float(v) for k, v in scores.items()}


def _fresh_student(learner: Any, task_spec: Any, reference: str, seed: int) -> Any:
    """The student the learner's ``fit`` would start from, without training it."""
    from synthlib.methods.s3.learners import ExtractiveQALearner, QALearner
    from synthlib.students import load_student

    if isinstance(learner, ExtractiveQALearner):
        from synthlib.students.extractive import load_extractive

        return load_extractive(reference, seed=seed)
    if isinstance(learner, QALearner):
        return load_student(reference, "seq2seq", seed=seed)
    return load_student(reference, "classifier", task_spec.label_names, seed=seed)
