"""The four S3 tasks: fields, label words, which gold split is the EES probe set and which the test.

Offline, only some gold splits exist (see ``../shared/data/SOURCES.md``), so the probe and test sets
are chosen per task and named in the chapter:

=====================  =====================================  ======================================
task                   EES probe set (paper: gold train)      test set (paper: gold test)
=====================  =====================================  ======================================
imdb                   a slice of IMDb test, disjoint from    another slice of IMDb test (no IMDb
                       the test slice                         train split is available offline)
rte                    GLUE RTE train (as the paper)          GLUE RTE validation (= S3's gold test)
qnli                   a slice of QNLI validation             a disjoint slice of QNLI validation
adversarial_qa         a slice of AdversarialQA validation    a disjoint slice of it
=====================  =====================================  ======================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TASKS = ("imdb", "rte", "qnli", "adversarial_qa")


@dataclass(frozen=True)
class TaskSpec:
    """What S3 needs to know about a task."""

    name: str
    kind: str  # "single" (one text), "pair" (context + hypothesis/question), "qa" (context + question -> answer)
    inputs: tuple[str, ...]  # student input columns
    label_names: tuple[str, ...] = ()
    label_words: tuple[str, ...] = ()  # how prompts name each label
    context_field: str = ""  # multi-sentence tasks: the field drawn from a pool
    missing_field: str = ""  # multi-sentence tasks: the field the teacher writes
    description: str = ""
    probe_note: str = ""

    @property
    def is_classification(self) -> bool:
        """True for IMDb, RTE and QNLI (accuracy); False for AdversarialQA (EM/F1)."""
        return self.kind != "qa"


SPECS: dict[str, TaskSpec] = {
    "imdb": TaskSpec("imdb", "single", ("text",), ("negative", "positive"), ("negative", "positive"),
                     description="a movie review",
                     probe_note="a slice of the IMDb test split disjoint from the test slice (no IMDb train offline)"),
    "rte": TaskSpec("rte", "pair", ("text1", "text2"), ("entailment", "not_entailment"),
                    ("true (the hypothesis follows from the premise)",
                     "false (the hypothesis does not follow from the premise)"),
                    context_field="text1", missing_field="text2", description="a premise and a hypothesis",
                    probe_note="GLUE RTE train, as in the paper"),
    "qnli": TaskSpec("qnli", "pair", ("text1", "text2"), ("entailment", "not_entailment"),
                     ("answered by the sentence", "not answered by the sentence"),
                     context_field="text2", missing_field="text1", description="a question and a sentence",
                     probe_note="a slice of QNLI validation disjoint from the test slice (no QNLI train offline)"),
    "adversarial_qa": TaskSpec("adversarial_qa", "qa", ("source",), (), (), context_field="context",
                               missing_field="question", description="a passage, a question and an answer span",
                               probe_note="a slice of AdversarialQA validation disjoint from the test slice "
                                          "(no train split offline)"),
}


def spec(task: str) -> TaskSpec:
    """The spec of ``task`` or a ValueError naming the choices."""
    if task not in SPECS:
        raise ValueError(f"unknown S3 task '{task}'; use one of {', '.join(TASKS)}")
    return SPECS[task]


def gold_splits(task: str, probe_rows: int, test_rows: int, seed: int) -> tuple[list[dict], list[dict]]:
    """(probe, test) as lists of plain rows with an ``id``, ``label`` (classification) or ``answer`` (QA).

    ``probe_rows``/``test_rows`` of 0 mean "all available". Where probe and test come from one
    split they are disjoint slices of a seeded shuffle.
    """
    from synthlib.data import load_dataset

    if task == "rte":
        probe = _rows(load_dataset("rte", "train"), task, "rte-train")
        test = _rows(load_dataset("rte", "validation"), task, "rte-val")
        return _take(probe, probe_rows, seed), _take(test, test_rows, seed)
    source = {"imdb": ("imdb", "test"), "qnli": ("qnli", "validation"),
              "adversarial_qa": ("adversarial_qa", "validation")}[task]
    rows = _rows(load_dataset(*source), task, f"{task}-{source[1]}")
    import random

    random.Random(seed).shuffle(rows)
    n_probe = probe_rows or len(rows) // 2
    probe, rest = rows[:n_probe], rows[n_probe:]
    return probe, rest[:test_rows] if test_rows else rest


def _rows(dataset, task: str, prefix: str) -> list[dict[str, Any]]:
    rows = []
    for index, row in enumerate(dataset):
        item = {"id": f"{prefix}-{index}"}
        if task == "adversarial_qa":
            answers = row["answers"]
            item.update(context=row["context"], question=row["question"], answer=answers["text"][0],
                        answers=list(answers["text"]))
        else:
            item.update({column: row[column] for column in spec(task).inputs})
            item["label"] = int(row["label"])
        rows.append(item)
    return rows


def _take(rows: list[dict], n: int, seed: int) -> list[dict]:
    if not n or n >= len(rows):
        return rows
    import random

    picked = sorted(random.Random(seed).sample(range(len(rows)), n))
    return [rows[i] for i in picked]


def qa_source(context: str, question: str) -> str:
    """The seq2seq student's input for a QA row."""
    return f"question: {question} context: {context}"
