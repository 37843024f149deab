"""Replication on the paper's released GPT-3.5 outputs (no teacher involved).

The S3 authors released their two error-extrapolation rounds for IMDb and RTE
(``s3_synthetic`` round1/round2) but **not their seed sets**. So what we can train on is "EES
rounds only": the data the teacher wrote to extrapolate the student's errors, without the
rationale-based seed data it was added to. We train the MiniLM student on it, and on gold data,
and score both on the gold test sets available offline.

* RTE: released rounds 1+2 (JSON release, and the pickle release that the authors' training script
  reads), gold = GLUE RTE train; test = GLUE RTE validation (exactly S3's RTE gold test).
* IMDb: released rounds 1+2; no IMDb train split is available offline, so the "gold" student
  trains on a slice of the IMDb test split disjoint from the scored slice.

Every condition of a task trains on the same number of rows (a seeded subsample; ``max_train_rows``
keeps CPU runs short) so the comparison is at equal data size.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthlib.methods.s3.learners import ClassifierLearner, StudentSettings
from synthlib.methods.s3.tasks import spec

#: the paper's MiniLM table (Table 9 / PAPERS.md), accuracy in percent
PAPER_MINILM = {"imdb": {"gold": 92.30, "zerogen": 83.66, "s3": 89.55},
                "rte": {"gold": 71.50, "zerogen": 72.2, "s3": 76.17}}


@dataclass
class ReplicationSettings:
    """Sizes of the replication runs (subsampled on CPU)."""

    tasks: tuple[str, ...] = ("imdb", "rte")
    max_train_rows: int = 1000
    test_rows: int = 1000  # IMDb test rows scored (RTE: all 277)
    student: StudentSettings = None  # type: ignore[assignment]


def released_rows(subset: str) -> list[dict[str, Any]]:
    """Rounds 1 and 2 of the released data for ``imdb``, ``rte`` or ``rte_pkl``, with lineage fields."""
    from synthlib.data import load_dataset

    rows = []
    for round_name in ("round1", "round2"):
        for index, row in enumerate(load_dataset("s3_synthetic", round_name, subset=subset)):
            rows.append({**row, "label": int(row["label"]), "id": f"{subset}-{round_name}-{index}",
                         "round": int(round_name[-1]), "origin": "released gpt-3.5"})
    return rows


def conditions(task: str, settings: ReplicationSettings, seed: int) -> tuple[dict[str, list[dict]], list[dict]]:
    """Training sets per condition and the test rows for ``task``."""
    from synthlib.methods.s3.tasks import gold_splits

    if task == "rte":
        gold_train, test = gold_splits("rte", 0, 0, seed)
        train = {"released EES rounds (json)": released_rows("rte"),
                 "released EES rounds (pkl)": released_rows("rte_pkl"), "gold": gold_train}
    elif task == "imdb":
        # disjoint slices of IMDb test: the gold student's training slice and the scored slice
        gold_pool, test = gold_splits("imdb", settings.max_train_rows, settings.test_rows, seed)
        train = {"released EES rounds": released_rows("imdb"), "gold": gold_pool}
    else:
        raise ValueError(f"the released data covers imdb and rte only, not '{task}'")
    size = min(settings.max_train_rows or 10**9, *(len(rows) for rows in train.values()))
    return {name: _sample(rows, size, seed) for name, rows in train.items()}, test


def run_replication(settings: ReplicationSettings, seed: int,
                    progress: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Train one student per (task, condition) and score it on the task's gold test rows."""
    results = []
    for task in settings.tasks:
        train_sets, test = conditions(task, settings, seed)
        for name, rows in train_sets.items():
            progress(f"replication: {task} / {name}: training on {len(rows)} rows")
            learner = ClassifierLearner(spec(task), settings.student)
            learner.fit(rows)
            predictions = learner.predict(test)
            scores = learner.score(test, predictions)
            results.append({"task": task, "condition": name, "train_rows": len(rows), "test_rows": len(test),
                            "accuracy": 100 * scores["accuracy"], "macro_f1": scores["macro_f1"],
                            # a student that answers one class everywhere scores the majority share: show both
                            "majority_class_accuracy": 100 * _majority_share([r["label"] for r in test]),
                            "top_prediction_share": 100 * _majority_share(predictions),
                            **{k: v for k, v in learner.last_fit.items() if k != "rows"}})
    return results


def beside_paper(results: list[dict[str, Any]]):
    """Our accuracies beside the paper's MiniLM numbers (a DataFrame)."""
    import pandas as pd

    paper_of = {"gold": "gold", "released EES rounds": "s3", "released EES rounds (json)": "s3",
                "released EES rounds (pkl)": "s3"}
    rows = []
    for r in results:
        key = paper_of.get(r["condition"])
        paper = PAPER_MINILM.get(r["task"], {}).get(key) if key else None
        rows.append({"task": r["task"], "ours: condition": r["condition"], "ours: train rows": r["train_rows"],
                     "ours: accuracy": r["accuracy"], "ours: macro-F1": r.get("macro_f1"),
                     "majority class": r.get("majority_class_accuracy"),
                     "most common prediction (%)": r.get("top_prediction_share"),
                     "paper (MiniLM): setting": {"s3": "S3 (seed + EES)", "gold": "gold"}.get(key, ""),
                     "paper (MiniLM): accuracy": paper})
    return pd.DataFrame(rows)


def _majority_share(values: list) -> float:
    from collections import Counter

    return Counter(values).most_common(1)[0][1] / len(values) if values else float("nan")


def _sample(rows: list[dict], size: int, seed: int) -> list[dict]:
    if size >= len(rows):
        return list(rows)
    return random.Random(seed).sample(rows, size)
