"""GOLD's students: updated in place iteration after iteration, asked for energies, scored.

A :class:`GoldStudent` wraps a ``synthlib.students`` model of one of two modes:

* ``classifier``: a sequence classifier (MiniLM offline) on the two text fields; energy from the
  class logits. Only for the five classification tasks.
* ``seq2seq``: a T5-style model that treats every task as text-to-text (the paper's setting):
  the source is ``TaskSpec.source(row)``, the target ``TaskSpec.target(row)`` (a label name for
  classification); energy is the mean over generated tokens of -logsumexp over the vocabulary.

:meth:`GoldStudent.update` keeps training the same weights (the loop's student); a fresh
:class:`GoldStudent` is what the final comparison trains on a method's whole data set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from synthlib.methods.gold.tasks import TaskSpec, number_text

#: generated tokens per prediction, by task kind
GENERATE_TOKENS = {"classification": 6, "qa": 24, "math": 8, "generation": 96}


@dataclass(frozen=True)
class StudentSettings:
    """How a GOLD student is trained (paper: SCE with lambda 1.0, sigma 0.1)."""

    reference: str = "minilm"
    mode: str = "classifier"  # classifier | seq2seq | causal (a decoder-only text-to-text student)
    loss: str = "sce"
    sce_lambda: float = 1.0
    sce_sigma: float = 0.1
    epochs: float = 1.0
    learning_rate: float = 5e-5
    batch_size: int = 16
    max_length: int = 128
    max_target_length: int = 96
    seed: int = 0

    def but(self, **changes: Any) -> StudentSettings:
        """A copy with ``changes``."""
        return replace(self, **changes)


class GoldStudent:
    """One student model; loaded on first use, trained in place by every :meth:`update`."""

    def __init__(self, task: TaskSpec, settings: StudentSettings):
        if settings.mode == "classifier" and not task.is_classification:
            raise ValueError(f"a classifier student cannot learn {task.name}; use the seq2seq student")
        self.task, self.settings, self._student, self.updates, self.train_seconds = task, settings, None, 0, 0.0

    @property
    def student(self):
        """The underlying ``synthlib.students.Student`` (loaded on first use)."""
        if self._student is None:
            from synthlib.students import load_student

            s = self.settings
            labels = self.task.label_names if s.mode == "classifier" else ()
            self._student = load_student(s.reference, s.mode, labels, seed=s.seed)
        return self._student

    def update(self, rows: list[dict], epochs: float | None = None) -> None:
        """Train the current weights further on ``rows`` with the configured loss."""
        import datasets

        from synthlib.students import TrainSettings, train

        if not rows:
            return
        s = self.settings
        settings = TrainSettings(epochs=epochs if epochs is not None else s.epochs, learning_rate=s.learning_rate,
                                 batch_size=s.batch_size, max_length=s.max_length,
                                 max_target_length=s.max_target_length, loss=s.loss, sce_lambda=s.sce_lambda,
                                 sce_sigma=s.sce_sigma, seed=s.seed + self.updates)
        if s.mode == "classifier":
            table = datasets.Dataset.from_list([{"text1": r["text1"], "text2": r["text2"], "label": int(r["label"])}
                                                for r in rows])
            result = train(self.student, table, settings, inputs=("text1", "text2"))
        else:
            table = datasets.Dataset.from_list([{"source": self.task.source(r), "target": self.task.target(r)}
                                                for r in rows])
            result = train(self.student, table, settings, inputs=("source",), target="target")
        self.updates += 1
        self.train_seconds += result.train_seconds

    def probe(self, rows: list[dict]) -> tuple[list[Any], list[float]]:
        """Predictions and energies for ``rows`` in one pass."""
        if not rows:
            return [], []
        if self.settings.mode == "classifier":
            import datasets

            from synthlib.methods.gold.selection import classifier_energies
            from synthlib.students import predict_classes

            table = datasets.Dataset.from_list([{"text1": r["text1"], "text2": r["text2"]} for r in rows])
            out = predict_classes(self.student, table, ("text1", "text2"), max_length=self.settings.max_length)
            return [int(p) for p in out.predictions], classifier_energies(out.logits)
        from synthlib.students import generate_texts

        texts, energies = generate_texts(self.student, [self.task.source(r) for r in rows],
                                         max_new_tokens=GENERATE_TOKENS[self.task.kind],
                                         max_length=self.settings.max_length, with_energy=True)
        return [self._read(t) for t in texts], [float(e) for e in energies]

    def energy(self, rows: list[dict]) -> list[float]:
        """The energy of every row (no labels needed)."""
        return self.probe(rows)[1]

    def predict(self, rows: list[dict]) -> list[Any]:
        """Predictions: label ids (classification; -1 when a seq2seq answer names no label) or texts."""
        return self.probe(rows)[0]

    def _read(self, text: str) -> Any:
        if self.task.is_classification:
            from synthlib.teachers.parsing import parse_label

            found = parse_label(text, self.task.label_names)
            return self.task.label_names.index(found.value) if found.ok else -1
        return text.strip()


def scores(task: TaskSpec, rows: list[dict], predictions: list[Any]) -> dict[str, float]:
    """The task's metrics in percent: accuracy (classification, SVAMP), EM and F1 (QA), ROUGE-L (NL4OPT)."""
    if not rows:
        return {}
    if task.is_classification:
        from synthlib.metrics.classification import accuracy, macro_f1

        gold = [int(r["label"]) for r in rows]
        return {"accuracy": 100 * accuracy(predictions, gold), "macro_f1": 100 * macro_f1(predictions, gold)}
    if task.kind == "qa":
        from synthlib.metrics.qa import squad_scores

        return {k: float(v) for k, v in squad_scores([str(p) for p in predictions],
                                                      [r["answers"] for r in rows]).items()}
    if task.kind == "math":
        right = [_same_number(p, r["answer"]) for p, r in zip(predictions, rows, strict=True)]
        return {"accuracy": 100 * sum(right) / len(rows)}
    from synthlib.metrics.text import rouge_l

    return {"rouge_l": 100 * rouge_l([str(p) for p in predictions], [r["formulation"] for r in rows])}


def _same_number(prediction: Any, answer: str) -> bool:
    from synthlib.teachers.parsing import parse_number

    parsed = parse_number(str(prediction))
    return parsed.ok and number_text(parsed.value) == number_text(answer)


def main_score(task: TaskSpec, values: dict[str, float]) -> float | None:
    """The paper's headline metric for ``task`` from :func:`scores`."""
    return values.get(task.metric)
