"""The tasks of the head-to-head: one definition of each task's gold rows for every method.

S3 and GOLD each choose their own splits; a fair comparison needs the *same* rows for all. Here a
task's rows come from one place, S3's split definitions (:func:`synthlib.methods.s3.tasks.gold_splits`,
whose RTE test set is GLUE RTE validation, as in both papers): the **pool** (S3's EES probe set,
GOLD's real-example pool) and the **test** rows every method's student is scored on. The split seed
is fixed for a grid, so seeds vary the teacher's samples and the student's initialisation, not the
test set. Rows carry the columns both methods read (``text1``/``text2``/``label``; QA: ``context``,
``question``, ``answer``, ``answers``; IMDb: ``text``/``label``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: tasks with a shared definition; which methods apply to each is the adapters' business
TASKS = ("imdb", "rte", "qnli", "adversarial_qa")
#: the headline metric per task (percent)
METRICS = {"imdb": "accuracy", "rte": "accuracy", "qnli": "accuracy", "adversarial_qa": "exact_match"}


@dataclass
class TaskRows:
    """Gold rows of one task: the real-example / probe pool and the test set."""

    name: str
    pool: list[dict]
    test: list[dict]

    @property
    def metric(self) -> str:
        """The score every cell of this task reports."""
        return METRICS[self.name]

    @property
    def is_classification(self) -> bool:
        """Accuracy tasks (a classifier student) rather than QA (a text-to-text student)."""
        return self.metric == "accuracy"


def load_task(name: str, pool_rows: int, test_rows: int, split_seed: int) -> TaskRows:
    """The pool and test rows of ``name`` (seeded subsamples; 0 = all available)."""
    from synthlib.methods.s3.tasks import gold_splits

    if name not in TASKS:
        raise ValueError(f"unknown comparison task '{name}'; use one of {', '.join(TASKS)}")
    pool, test = gold_splits(name, pool_rows, test_rows, split_seed)
    return TaskRows(name, pool, test)
