"""Students for S3: fit on rows (plain dicts), predict a probe or test set, score it.

A *learner* is what the feedback loop re-initialises and retrains every round
(``synthlib.loop.Learner``): ``fit(rows)`` then ``predict(rows)``. Two kinds here:

* :class:`ClassifierLearner`: a sequence classifier (MiniLM, tiny-random-bert, any hub id) trained
  with the project's HF-Trainer loop; accuracy.
* :class:`QALearner`: a seq2seq student (tiny-random-t5, a T5 hub id) that writes the answer span
  from ``question: ... context: ...``; exact match and token F1.
* :class:`ExtractiveQALearner`: an encoder (MiniLM, like the paper's DistilBERT) that points at the
  answer span in the context; the same scores. :func:`make_learner` picks it for encoder references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthlib.methods.s3.tasks import TaskSpec, qa_source


@dataclass
class StudentSettings:
    """How each student is trained (the paper re-initialises it every round)."""

    reference: str = "minilm"
    epochs: float = 3.0
    learning_rate: float = 5e-5
    batch_size: int = 16
    max_length: int = 128
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class ClassifierLearner:
    """A fresh classifier student per :meth:`fit` (re-initialised from the pretrained weights)."""

    def __init__(self, task: TaskSpec, settings: StudentSettings):
        self.task, self.settings, self.student, self.last_fit = task, settings, None, {}

    def fit(self, rows: list[dict]) -> None:
        """Load a fresh student and fine-tune it on ``rows`` (``inputs`` columns + ``label``)."""
        import datasets

        from synthlib.students import TrainSettings, load_student, train

        s = self.settings
        self.student = load_student(s.reference, "classifier", self.task.label_names, seed=s.seed)
        table = datasets.Dataset.from_list([{**{c: r[c] for c in self.task.inputs}, "label": int(r["label"])}
                                            for r in rows])
        result = train(self.student, table, TrainSettings(epochs=s.epochs, learning_rate=s.learning_rate,
                                                          batch_size=s.batch_size, max_length=s.max_length,
                                                          warmup_ratio=0.1, seed=s.seed),
                       inputs=self.task.inputs)
        self.last_fit = {"rows": len(rows), "train_seconds": result.train_seconds,
                         "examples_per_second": result.examples_per_second}

    def predict(self, rows: list[dict]) -> list[int]:
        """Predicted label ids for ``rows``."""
        import datasets

        from synthlib.students import predict_classes

        table = datasets.Dataset.from_list([{c: r[c] for c in self.task.inputs} for r in rows])
        out = predict_classes(self.student, table, self.task.inputs, max_length=self.settings.max_length)
        return [int(p) for p in out.predictions]

    @staticmethod
    def correct(row: dict, prediction: Any) -> bool:
        """A classification prediction is right when it equals the gold label."""
        return int(prediction) == int(row["label"])

    def score(self, rows: list[dict], predictions: list[Any]) -> dict[str, float]:
        """Accuracy and macro-F1 of ``predictions`` against the rows' gold labels."""
        from synthlib.metrics.classification import accuracy, macro_f1

        gold = [int(r["label"]) for r in rows]
        return {"accuracy": accuracy(predictions, gold), "macro_f1": macro_f1(predictions, gold)}

    @property
    def signature(self) -> dict[str, Any]:
        """The student's signature (after a fit)."""
        return self.student.signature if self.student is not None else {"reference": self.settings.reference}


class QALearner(ClassifierLearner):
    """A fresh seq2seq student per :meth:`fit` that writes the answer span."""

    def fit(self, rows: list[dict]) -> None:
        """Load a fresh seq2seq student and train it on (question + context -> answer)."""
        import datasets

        from synthlib.students import TrainSettings, load_student, train

        s = self.settings
        self.student = load_student(s.reference, "seq2seq", seed=s.seed)
        table = datasets.Dataset.from_list([{"source": qa_source(r["context"], r["question"]), "answer": r["answer"]}
                                            for r in rows])
        result = train(self.student, table, TrainSettings(epochs=s.epochs, learning_rate=s.learning_rate,
                                                          batch_size=s.batch_size, max_length=s.max_length,
                                                          max_target_length=32, seed=s.seed),
                       inputs=("source",), target="answer")
        self.last_fit = {"rows": len(rows), "train_seconds": result.train_seconds,
                         "examples_per_second": result.examples_per_second}

    def predict(self, rows: list[dict]) -> list[str]:
        """Generated answers for ``rows``."""
        from synthlib.students import generate_texts

        sources = [qa_source(r["context"], r["question"]) for r in rows]
        return generate_texts(self.student, sources, max_new_tokens=24, max_length=self.settings.max_length)

    @staticmethod
    def correct(row: dict, prediction: Any) -> bool:
        """S3 for QA: an error is any prediction that is not an exact match with a gold answer."""
        from synthlib.metrics.qa import exact_match

        return bool(exact_match(prediction, row.get("answers") or [row["answer"]]))

    def score(self, rows: list[dict], predictions: list[Any]) -> dict[str, float]:
        """SQuAD-style exact match and token F1 (as percentages, like the paper)."""
        from synthlib.metrics.qa import squad_scores

        scores = squad_scores(predictions, [r.get("answers") or [r["answer"]] for r in rows])
        return {k: float(v) for k, v in scores.items()}


class ExtractiveQALearner(QALearner):
    """A fresh encoder with a span head per :meth:`fit` (the paper's DistilBERT setting, with MiniLM)."""

    def fit(self, rows: list[dict]) -> None:
        """Load a fresh encoder and train it to point at each row's answer in its context."""
        from synthlib.students import TrainSettings
        from synthlib.students.extractive import load_extractive, train_extractive

        s = self.settings
        self.student = load_extractive(s.reference, seed=s.seed)
        self.last_fit = train_extractive(self.student, rows, TrainSettings(
            epochs=s.epochs, learning_rate=s.learning_rate, batch_size=s.batch_size, max_length=s.max_length,
            warmup_ratio=0.1, seed=s.seed))

    def predict(self, rows: list[dict]) -> list[str]:
        """The predicted answer span of each row's context."""
        from synthlib.students.extractive import predict_spans

        return predict_spans(self.student, [r["question"] for r in rows], [r["context"] for r in rows],
                             max_length=self.settings.max_length)


#: references of encoder students: on a QA task they extract the answer span instead of writing it
ENCODER_STUDENTS = ("minilm", "tiny-random-bert")


class BagOfWordsLearner:
    """Logistic regression on word counts: a deterministic student that fits in milliseconds (tests)."""

    def __init__(self, task: TaskSpec, fail_on_fit: int | None = None):
        self.task, self.fits, self.fail_on_fit, self.last_fit = task, 0, fail_on_fit, {}

    def _texts(self, rows: list[dict]) -> list[str]:
        return [" ".join(str(r[c]) for c in self.task.inputs) for r in rows]

    def fit(self, rows: list[dict]) -> None:
        """Fit a fresh vectorizer and model; raises on the ``fail_on_fit``-th call (crash tests)."""
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression

        self.fits += 1
        if self.fail_on_fit == self.fits:
            raise RuntimeError(f"killed inside fit number {self.fits}")
        self.vectorizer = CountVectorizer().fit(self._texts(rows))
        self.model = LogisticRegression(C=10.0, max_iter=500).fit(self.vectorizer.transform(self._texts(rows)),
                                                                  [int(r["label"]) for r in rows])
        self.last_fit = {"rows": len(rows)}

    def predict(self, rows: list[dict]) -> list[int]:
        """Predicted label ids."""
        return [int(p) for p in self.model.predict(self.vectorizer.transform(self._texts(rows)))]

    correct = staticmethod(ClassifierLearner.correct)
    score = ClassifierLearner.score


def make_learner(task: TaskSpec, settings: StudentSettings) -> ClassifierLearner:
    """The learner kind the task needs."""
    if task.is_classification:
        return ClassifierLearner(task, settings)
    encoder = settings.reference in ENCODER_STUDENTS or "bert" in settings.reference.lower()
    return ExtractiveQALearner(task, settings) if encoder else QALearner(task, settings)
