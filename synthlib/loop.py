"""The student in the loop, shared by S3 and GOLD: generate -> (re)train -> probe -> select -> prompt.

A :class:`FeedbackLoop` runs R rounds over a list of training rows (plain dicts). Round 0 is the
seed data, made before the loop starts. Each round ``k = 1..R``:

1. a :class:`Learner` is re-initialised and trained on every row so far (seed + rounds < k);
2. it predicts the **probe set** (S3: the gold validation split) and each prediction is marked
   right or wrong: an :class:`Evaluation`;
3. a :class:`Selector` picks the rows to build on (S3: the misclassified probe rows,
   :class:`MisclassifiedSelector`; GoldGen: all of them, :class:`AllSelector`; GOLD plugs in an
   energy band over a teacher-written batch by reading ``Evaluation.extra``);
4. a :class:`PromptBuilder` turns each selected row into teacher requests, each carrying
   ``metadata["parent_id"]`` (the row it extrapolates) and ``metadata["fields"]`` (fields copied
   into the new sample, e.g. the gold label or the premise);
5. the teacher answers; a :data:`SampleParser` turns each answer into sample fields or a counted
   rejection; kept samples get their **lineage**: ``round``, ``parent_id``, ``request_key``
   (the teacher-cache key of the call), ``sample_index`` and the teacher model.

Persistence and resume: the run directory gets ``rounds/round_0.jsonl`` (seed rows),
``rounds/round_<k>.jsonl`` (the samples made in round k), ``rounds/round_<k>.json`` (probe
predictions and scores, selected ids, parse report) and ``state.json`` (the last finished round),
all written atomically, the state last. A loop that is killed resumes at the round after the last
finished one; with the teacher's SQLite cache even the unfinished round's teacher calls are free.

The interfaces are small protocols, so a new method supplies only its own pieces.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from synthlib.runs import atomic
from synthlib.teachers.base import Request, Teacher, request_key
from synthlib.teachers.parsing import Parsed, ParseReport, safe_parse

STATE_FILE = "state.json"
ROUNDS_DIR = "rounds"


class Learner(Protocol):
    """The student side: re-initialised by every :meth:`fit`."""

    def fit(self, rows: list[dict]) -> None:
        """Train a fresh student on ``rows``."""

    def predict(self, rows: list[dict]) -> list[Any]:
        """One prediction per row (a label id, an answer string ...)."""

    def correct(self, row: dict, prediction: Any) -> bool:
        """Whether ``prediction`` is right for the probe ``row``."""

    def score(self, rows: list[dict], predictions: list[Any]) -> dict[str, float]:
        """Task metrics of ``predictions`` on ``rows``."""


@dataclass
class Evaluation:
    """The student's predictions on the probe set in one round."""

    round: int
    probe: list[dict]
    predictions: list[Any]
    correct: list[bool]
    scores: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. per-row energies for GOLD

    @property
    def errors(self) -> list[dict]:
        """Probe rows the student got wrong, in probe order."""
        return [row for row, ok in zip(self.probe, self.correct, strict=True) if not ok]


class Selector(Protocol):
    """Chooses the rows the next prompts build on."""

    name: str

    def select(self, evaluation: Evaluation) -> list[dict]:
        """Rows (parents) to extrapolate in this round."""


class PromptBuilder(Protocol):
    """Turns selected rows into teacher requests (with ``metadata`` parent_id and fields)."""

    def build(self, parents: list[dict], round_index: int) -> list[Request]:
        """Requests for this round."""


#: parses one teacher answer for one request into the new sample's fields, or a rejection
SampleParser = Callable[[str, Request], Parsed]


@dataclass
class MisclassifiedSelector:
    """S3: every probe row the student got wrong (for QA: not an exact match)."""

    name: str = "misclassified"

    def select(self, evaluation: Evaluation) -> list[dict]:
        """The misclassified rows."""
        return evaluation.errors


@dataclass
class AllSelector:
    """GoldGen: the whole probe set, or a seeded random ``budgets[k-1]`` rows of it in round k.

    With budgets taken from an S3 run (its error counts per round) both methods add the same
    number of samples.
    """

    budgets: Sequence[int] | None = None
    seed: int = 0
    name: str = "all"

    def select(self, evaluation: Evaluation) -> list[dict]:
        """All probe rows, or a seeded sample of the round's budget."""
        if not self.budgets:
            return list(evaluation.probe)
        budget = self.budgets[min(evaluation.round, len(self.budgets)) - 1]
        rng = random.Random(f"{self.seed}-{evaluation.round}")
        picked = sorted(rng.sample(range(len(evaluation.probe)), min(budget, len(evaluation.probe))))
        return [evaluation.probe[i] for i in picked]


@dataclass
class LoopResult:
    """Everything the loop made: all rows (seed first) and one summary per round."""

    rows: list[dict]
    rounds: list[dict]
    resumed_from: int = 0  # the last finished round found on disk at start (0: fresh start)

    def rows_of_round(self, k: int) -> list[dict]:
        """The rows made in round ``k`` (0 = seed)."""
        return [r for r in self.rows if r["round"] == k]


class FeedbackLoop:
    """R rounds of train -> probe -> select -> prompt -> generate, persisted for resume."""

    def __init__(self, teacher: Teacher, learner: Learner, selector: Selector, builder: PromptBuilder,
                 parser: SampleParser, probe: list[dict], directory: str | Path,
                 progress: Callable[[str], None] | None = None):
        self.teacher, self.learner, self.selector, self.builder, self.parser = teacher, learner, selector, builder, parser
        self.probe, self.directory = probe, Path(directory)
        self.progress = progress or (lambda message: None)
        if not probe or any("id" not in row for row in probe):
            raise ValueError("the probe set must be non-empty and every probe row needs an 'id'")

    # -- public ------------------------------------------------------------------------------
    def run(self, seed_rows: list[dict], rounds: int) -> LoopResult:
        """Run (or resume) ``rounds`` rounds starting from ``seed_rows`` (round 0)."""
        state = self._read_state()
        finished = state["finished_round"] if state else 0
        if state:
            self._check_same_run(state, seed_rows, rounds)
            rows = [row for k in range(finished + 1) for row in self._read_rows(k)]
            summaries = [self._read_summary(k) for k in range(1, finished + 1)]
            self.progress(f"resuming after round {finished} of {rounds} ({len(rows)} rows on disk)")
        else:
            rows = [{**row, "round": 0, "parent_id": row.get("parent_id")} for row in seed_rows]
            self._write_rows(0, rows)
            self._write_state(0, rounds, rows)
            summaries = []
        for k in range(finished + 1, rounds + 1):
            new_rows, summary = self._round(k, rows)
            rows += new_rows
            summaries.append(summary)
            self._write_rows(k, new_rows)
            atomic.write_json(self._rounds_dir / f"round_{k}.json", summary)
            self._write_state(k, rounds, self._seed_of(rows))  # last: the round counts as finished now
        return LoopResult(rows=rows, rounds=summaries, resumed_from=finished)

    def evaluate(self, rows: list[dict], round_index: int) -> Evaluation:
        """Train a fresh student on ``rows`` and mark its probe predictions right or wrong."""
        self.learner.fit(rows)
        predictions = self.learner.predict(self.probe)
        correct = [bool(self.learner.correct(row, p)) for row, p in zip(self.probe, predictions, strict=True)]
        return Evaluation(round_index, self.probe, predictions, correct, self.learner.score(self.probe, predictions))

    # -- one round -----------------------------------------------------------------------------
    def _round(self, k: int, rows: list[dict]) -> tuple[list[dict], dict]:
        self.progress(f"round {k}: training the student on {len(rows)} rows")
        evaluation = self.evaluate(rows, k)
        parents = self.selector.select(evaluation)
        self.progress(f"round {k}: probe {_fmt(evaluation.scores)}; {len(evaluation.errors)} errors; "
                      f"selector '{self.selector.name}' picked {len(parents)} rows")
        requests = self.builder.build(parents, k)
        generations = self.teacher.generate(requests)
        new_rows, report = self._parse(k, requests, [g.text for g in generations])
        self.progress(f"round {k}: kept {report.kept} of {report.total} teacher outputs")
        summary = {"round": k, "train_rows": len(rows), "probe_scores": evaluation.scores,
                   "probe_predictions": {row["id"]: _plain(p) for row, p in zip(self.probe, evaluation.predictions, strict=True)},
                   "probe_correct": {row["id"]: ok for row, ok in zip(self.probe, evaluation.correct, strict=True)},
                   "errors": len(evaluation.errors), "selected_ids": [row["id"] for row in parents],
                   "selector": self.selector.name, "requests": len(requests), "parse": report.to_dict()}
        return new_rows, summary

    def _parse(self, k: int, requests: list[Request], texts: list[str]) -> tuple[list[dict], ParseReport]:
        signature = self.teacher.signature
        report, rows = ParseReport(), []
        for index, (request, text) in enumerate(zip(requests, texts, strict=True)):
            parsed = safe_parse(lambda t, r=request: self.parser(t, r), text)
            report.add(parsed)
            if not parsed.ok:
                continue
            meta = request.metadata
            rows.append({**parsed.value, **meta.get("fields", {}), "id": f"r{k}-{index}", "round": k,
                         "parent_id": meta.get("parent_id"), "request_key": request_key(signature, request),
                         "sample_index": request.sample_index, "teacher": signature.model})
        return rows, report

    # -- persistence ---------------------------------------------------------------------------
    @property
    def _rounds_dir(self) -> Path:
        return self.directory / ROUNDS_DIR

    def _write_rows(self, k: int, rows: list[dict]) -> None:
        text = "".join(json.dumps(row, ensure_ascii=False, default=_plain) + "\n" for row in rows)
        atomic.write_text(self._rounds_dir / f"round_{k}.jsonl", text)

    def _read_rows(self, k: int) -> list[dict]:
        path = self._rounds_dir / f"round_{k}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def _read_summary(self, k: int) -> dict:
        return json.loads((self._rounds_dir / f"round_{k}.json").read_text())

    def _seed_of(self, rows: list[dict]) -> list[dict]:
        return [row for row in rows if row["round"] == 0]

    def _write_state(self, finished: int, rounds: int, seed_rows: list[dict]) -> None:
        atomic.write_json(self.directory / STATE_FILE,
                          {"finished_round": finished, "rounds": rounds, "selector": self.selector.name,
                           "seed_rows": len(seed_rows), "probe_ids": _digest([r["id"] for r in self.probe])})

    def _read_state(self) -> dict | None:
        path = self.directory / STATE_FILE
        return json.loads(path.read_text()) if path.is_file() else None

    def _check_same_run(self, state: dict, seed_rows: list[dict], rounds: int) -> None:
        problems = []
        if state["probe_ids"] != _digest([r["id"] for r in self.probe]):
            problems.append("the probe set differs")
        if state["seed_rows"] != len(seed_rows):
            problems.append(f"the seed set has {len(seed_rows)} rows, the stored one {state['seed_rows']}")
        if state["selector"] != self.selector.name:
            problems.append(f"the selector is '{self.selector.name}', the stored one '{state['selector']}'")
        if problems:
            raise ValueError(f"cannot resume the loop in {self.directory}: {'; '.join(problems)}. "
                             "Use a fresh directory for a different run, or delete this one to start over.")


def _digest(ids: list[str]) -> str:
    import hashlib

    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _fmt(scores: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.3f}" for k, v in scores.items())


def round_counts(result: LoopResult) -> Counter:
    """Rows per round (0 = seed)."""
    return Counter(row["round"] for row in result.rows)
