"""GOLD's ten-task suite as offline data: fields, label words, the real-example pool and the test set.

The paper scores every method on each task's validation set and shows the teacher three real
examples from the training set. Offline, only some splits exist (``../shared/data/SOURCES.md``), so
the pool of real examples (also the gold fine-tuning data) and the test set are chosen per task:

================  =========================================  =====================================
task              real-example pool (+ gold fine-tuning)     test set (paper: validation)
================  =========================================  =====================================
rte, wnli, mrpc   GLUE train                                 GLUE validation
qnli              a slice of QNLI validation                 a disjoint slice (no train offline)
anli              ANLI R1-R3 test                            ANLI R1-R3 dev
squad             a slice of SQuAD v1.1 dev                  a disjoint slice (no train offline)
adversarial_qa    a slice of AdversarialQA validation        a disjoint slice
svamp             a slice of the 1,000 SVAMP problems        a disjoint slice
nl4opt            NL4OPT test                                NL4OPT dev (the paper's validation)
================  =========================================  =====================================

Rows are plain dicts with an ``id``. Classification rows carry ``text1``, ``text2`` and ``label``
(an int); QA rows ``context``, ``question``, ``answer``, ``answers``; SVAMP rows ``problem`` and
``answer`` (a number as text); NL4OPT rows ``problem`` and ``formulation`` (a linearised model).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

CLASSIFICATION = ("rte", "qnli", "mrpc", "wnli", "anli")
SEQ2SEQ = ("squad", "adversarial_qa", "svamp", "nl4opt")
TASKS = CLASSIFICATION + SEQ2SEQ


@dataclass(frozen=True)
class TaskSpec:
    """What GOLD needs to know about a task."""

    name: str
    kind: str  # classification | qa | math | generation
    fields: tuple[tuple[str, str], ...]  # (tag the teacher writes, row column), in the order written
    definition: str  # the task definition at the top of every prompt (our wording)
    label_names: tuple[str, ...] = ()  # classification: label id -> name (the catalog's order)
    metric: str = "accuracy"  # accuracy | exact_match | rouge_l
    pool_note: str = ""
    test_note: str = ""

    @property
    def is_classification(self) -> bool:
        """True for the five NLI/paraphrase tasks."""
        return self.kind == "classification"

    @property
    def columns(self) -> list[str]:
        """Row columns the teacher writes (label included)."""
        return [column for _, column in self.fields]

    def source(self, row: dict) -> str:
        """The student's text-to-text input for ``row`` (the paper's T5 sees every task this way)."""
        if self.is_classification:
            first, second = (tag for tag, column in self.fields[:2])
            return f"{self.name} {first}: {row['text1']} {second}: {row['text2']}"
        if self.kind == "qa":
            return f"question: {row['question']} context: {row['context']}"
        return f"{self.name} problem: {row['problem']}"

    def target(self, row: dict) -> str:
        """The text-to-text target: the label name, the answer span, the number, the formulation."""
        if self.is_classification:
            return self.label_names[int(row["label"])]
        return str(row["formulation"] if self.kind == "generation" else row["answer"])

    def render(self, row: dict) -> str:
        """``row`` as the teacher writes a sample: ``[tag] value`` lines (labels as words)."""
        lines = []
        for tag, column in self.fields:
            value = self.label_names[int(row[column])] if column == "label" else row[column]
            lines.append(f"[{tag}] {value}")
        return "\n".join(lines)


def _pair(name: str, tags: tuple[str, str], labels: tuple[str, ...], definition: str, pool: str, test: str) -> TaskSpec:
    return TaskSpec(name, "classification", ((tags[0], "text1"), (tags[1], "text2"), ("label", "label")),
                    definition, labels, "accuracy", pool, test)


SPECS: dict[str, TaskSpec] = {
    "rte": _pair("rte", ("premise", "hypothesis"), ("entailment", "not_entailment"),
                 "Recognising textual entailment: each sample has a premise and a hypothesis. The label is "
                 "entailment when the premise makes the hypothesis true, otherwise not_entailment.",
                 "GLUE RTE train", "GLUE RTE validation"),
    "qnli": _pair("qnli", ("question", "sentence"), ("entailment", "not_entailment"),
                  "Question answering as inference: each sample has a question and a sentence. The label is "
                  "entailment when the sentence contains the answer to the question, otherwise not_entailment.",
                  "a slice of QNLI validation", "a disjoint slice of QNLI validation"),
    "mrpc": _pair("mrpc", ("sentence1", "sentence2"), ("not_equivalent", "equivalent"),
                  "Paraphrase detection: each sample has two sentences. The label is equivalent when they say "
                  "the same thing in different words, otherwise not_equivalent.",
                  "GLUE MRPC train", "GLUE MRPC validation"),
    "wnli": _pair("wnli", ("sentence", "hypothesis"), ("not_entailment", "entailment"),
                  "Pronoun resolution as inference: each sample has a sentence with a pronoun and a hypothesis "
                  "that replaces the pronoun by a noun. The label is entailment when that reading is the right "
                  "one, otherwise not_entailment.", "GLUE WNLI train", "GLUE WNLI validation"),
    "anli": _pair("anli", ("premise", "hypothesis"), ("entailment", "neutral", "contradiction"),
                  "Natural language inference: each sample has a premise and a hypothesis. The label is "
                  "entailment when the premise makes the hypothesis true, contradiction when it makes it false, "
                  "and neutral when it does neither.", "ANLI R1-R3 test", "ANLI R1-R3 dev"),
    "squad": TaskSpec("squad", "qa", (("context", "context"), ("question", "question"), ("answer", "answer")),
                      "Reading comprehension: each sample has a paragraph, a question about it and the answer, "
                      "a short span copied word for word from the paragraph.", metric="exact_match",
                      pool_note="a slice of SQuAD v1.1 dev", test_note="a disjoint slice of SQuAD v1.1 dev"),
    "adversarial_qa": TaskSpec("adversarial_qa", "qa",
                               (("context", "context"), ("question", "question"), ("answer", "answer")),
                               "Hard reading comprehension: each sample has a paragraph, a tricky question "
                               "about it and the answer, a short span copied word for word from the paragraph.",
                               metric="exact_match", pool_note="a slice of AdversarialQA validation",
                               test_note="a disjoint slice of AdversarialQA validation"),
    "svamp": TaskSpec("svamp", "math", (("question", "problem"), ("answer", "answer")),
                      "Arithmetic word problems: each sample is a short story with numbers ending in a question, "
                      "and the numeric answer.", metric="accuracy",
                      pool_note="a slice of the 1,000 SVAMP problems", test_note="a disjoint slice of SVAMP"),
    "nl4opt": TaskSpec("nl4opt", "generation", (("problem", "problem"), ("formulation", "formulation")),
                       "Optimisation modelling: each sample is a word problem about a linear program, and its "
                       "formulation: the objective and every constraint written with the decision variables.",
                       metric="rouge_l", pool_note="NL4OPT test", test_note="NL4OPT dev (the paper's validation)"),
}


def spec(task: str) -> TaskSpec:
    """The spec of ``task`` or a ValueError naming the choices."""
    if task not in SPECS:
        raise ValueError(f"unknown GOLD task '{task}'; use one of {', '.join(TASKS)}")
    return SPECS[task]


def splits(task: str, pool_rows: int, test_rows: int, seed: int) -> tuple[list[dict], list[dict]]:
    """(pool, test): the real-example pool and the test rows, seeded subsamples (0 = all)."""
    from synthlib.data import load_dataset

    def rows(name: str, split: str) -> list[dict]:
        return [_row(task, r, f"{task}-{split}-{i}") for i, r in enumerate(load_dataset(name, split))]

    if task in ("rte", "wnli", "mrpc"):
        return _take(rows(task, "train"), pool_rows, seed), _take(rows(task, "validation"), test_rows, seed)
    if task == "anli":
        pool = [r for k in (1, 2, 3) for r in rows("anli", f"test_r{k}")]
        test = [r for k in (1, 2, 3) for r in rows("anli", f"dev_r{k}")]
        return _take(pool, pool_rows, seed), _take(test, test_rows, seed)
    if task == "nl4opt":
        return _take(rows("nl4opt", "test"), pool_rows, seed), _take(rows("nl4opt", "validation"), test_rows, seed)
    split = {"qnli": "validation", "squad": "validation", "adversarial_qa": "validation", "svamp": "test"}[task]
    everything = rows(task, split)
    random.Random(seed).shuffle(everything)
    n_pool = min(pool_rows or len(everything) // 2, len(everything) // 2)
    pool, rest = everything[:n_pool], everything[n_pool:]
    return pool, rest[:test_rows] if test_rows else rest


def _row(task: str, raw: dict[str, Any], row_id: str) -> dict[str, Any]:
    if task in CLASSIFICATION:
        return {"id": row_id, "text1": raw["text1"], "text2": raw["text2"], "label": int(raw["label"])}
    if task in ("squad", "adversarial_qa"):
        answers = list(raw["answers"]["text"])
        return {"id": row_id, "context": raw["context"], "question": raw["question"], "answer": answers[0],
                "answers": answers}
    if task == "svamp":
        return {"id": row_id, "problem": f"{raw['body']} {raw['question']}", "answer": number_text(raw["answer"])}
    return {"id": row_id, "problem": raw["document"], "formulation": formulation(raw)}


def number_text(value: Any) -> str:
    """A number as the student should write it: ``51.0`` -> ``51``, ``2.50`` -> ``2.5``."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def formulation(raw: dict[str, Any]) -> str:
    """NL4OPT's objective and constraint declarations as one line of text (the seq2seq target)."""
    objective = json.loads(raw["objective"]) if isinstance(raw["objective"], str) else raw["objective"]
    constraints = json.loads(raw["constraints"]) if isinstance(raw["constraints"], str) else raw["constraints"]
    parts = [f"{objective.get('direction', '')} {objective.get('name', '')} = {_terms(objective.get('terms'))}"]
    for constraint in constraints:
        kind = constraint.get("type", "")
        operator = _OPERATORS.get(constraint.get("operator", ""), constraint.get("direction", ""))
        if kind in ("xy", "xby"):
            scale = f"{constraint['param']} " if kind == "xby" else ""
            parts.append(f"{constraint.get('x_var', '')} {operator} {scale}{constraint.get('y_var', '')}")
        elif kind == "linear":
            parts.append(f"{_terms(constraint.get('terms'))} {operator} {constraint.get('limit', '')}")
        elif kind == "sum":
            parts.append(f"sum {operator} {constraint.get('limit', '')}")
        else:  # lowerbound, upperbound, ratio
            parts.append(f"{kind} {constraint.get('var', '')} {operator} {constraint.get('limit', '')}")
    return "; ".join(" ".join(p.split()) for p in parts)


_OPERATORS = {"LESS_OR_EQUAL": "<=", "GREATER_OR_EQUAL": ">=", "EQUAL": "=", "LESS": "<", "GREATER": ">"}


def _terms(terms: Any) -> str:
    if isinstance(terms, dict):
        return " + ".join(f"{value} {name}" for name, value in terms.items())
    return str(terms or "")


def _take(rows: list[dict], n: int, seed: int) -> list[dict]:
    if not n or n >= len(rows):
        return rows
    picked = sorted(random.Random(seed).sample(range(len(rows)), n))
    return [rows[i] for i in picked]
