"""S3 end to end, with its baselines at the same data budget, for one or more tasks.

For each task:

1. **seed** (round 0): rationale-based for IMDb, context-based for RTE, QNLI, AdversarialQA;
2. **S3**: ``rounds`` error-extrapolation rounds over the probe set (:mod:`synthlib.loop`), then a
   fresh student trained on seed + all rounds is scored on the test set;
3. **without EES**: the same seed synthesis grown to S3's final size (equal size, no feedback);
4. **ZeroGen**: plain zero-shot prompts, S3's final size;
5. **GoldGen**: the same loop, but each round extrapolates a random sample of the *whole* probe set
   as large as S3's error count in that round (equal budget);
6. **gold**: the student trained on the gold probe rows.

Everything the teacher wrote is kept with its lineage in the run directory
(``<task>/<method>/rounds/round_<k>.jsonl``) and loops resume at their last finished round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.loop import AllSelector, FeedbackLoop, LoopResult, MisclassifiedSelector
from synthlib.methods.s3 import synthesis
from synthlib.methods.s3.learners import StudentSettings, make_learner
from synthlib.methods.s3.tasks import TaskSpec, gold_splits, spec
from synthlib.teachers.base import Teacher


@dataclass
class TaskData:
    """Gold rows and every synthetic set made for one task."""

    task: TaskSpec
    probe: list[dict]
    test: list[dict]
    sets: dict[str, list[dict]] = field(default_factory=dict)  # method -> training rows
    loops: dict[str, LoopResult] = field(default_factory=dict)  # s3 / goldgen -> loop result
    reports: dict[str, Any] = field(default_factory=dict)  # parse reports, rationales ...


def open_teacher(reference: str, cache_path: Path | None = None) -> Teacher:
    """The teacher named by ``reference``: one parameter switches between the scripted stand-in,
    a packaged LLM, an HF model id or path, and an OpenAI-compatible endpoint."""
    from synthlib.methods.s3.scripted import REFERENCE, scripted_s3_teacher

    if reference == REFERENCE:
        return scripted_s3_teacher()
    from synthlib.teachers import load_teacher

    return load_teacher(reference, cache=cache_path if cache_path is not None else True)


def make_seed(data: TaskData, teacher: Teacher, n: int, config: Any, rationales: bool = True) -> list[dict]:
    """Seed rows for the task: with rationales (single-sentence), from contexts (multi-sentence), or plain."""
    task, sampling = data.task, _sampling(config)
    if task.kind == "single":
        if rationales:
            rows, report = synthesis.seed_with_rationales(task, teacher, n, config.k_rationales, config.k_draw,
                                                         sampling, config.seed)
        else:
            rows, report = synthesis.seed_plain(task, teacher, n, sampling, config.seed, origin="seed-plain")
    else:
        pool = synthesis.context_pool(task, data.probe)
        rows, report = synthesis.seed_from_contexts(task, teacher, n, pool, sampling, config.seed)
    data.reports[f"seed{'' if rationales else '-plain'}-{n}"] = report
    return [{**row, "origin": "seed"} for row in rows]


#: builds the student side for a task: (task, config) -> a Learner (tests plug in a fast one)
LearnerFactory = Callable[[TaskSpec, Any], Any]


def default_learner(task: TaskSpec, config: Any):
    """A fresh HF student of the configured reference (classifier, or seq2seq for QA)."""
    return make_learner(task, _student(config, task))


def run_loop(data: TaskData, teacher: Teacher, seed_rows: list[dict], config: Any, directory: Path,
             selector: Any, progress: Callable[[str], None], learner: LearnerFactory = default_learner) -> LoopResult:
    """The error-extrapolation loop (S3 with MisclassifiedSelector, GoldGen with AllSelector).

    A seed set too small to train a student (a teacher that wrote nothing usable) runs no round:
    the result holds the seed rows and no round summaries, and the final scores note the set.
    """
    if not _trainable(data.task, seed_rows):
        progress(f"{data.task.name}: {len(seed_rows)} usable seed samples, too few for a student; no EES rounds")
        return LoopResult(rows=[{**row, "round": 0} for row in seed_rows], rounds=[])
    learner = learner(data.task, config)
    builder = synthesis.ExtrapolationPrompts(data.task, _sampling(config), seed=config.seed,
                                             samples_per_error=config.samples_per_error)
    loop = FeedbackLoop(teacher, learner, selector, builder, synthesis.part_parser(data.task, plain=False),
                        data.probe, directory, progress=progress)
    return loop.run(seed_rows, config.rounds)


def synthesize_task(task_name: str, config: Any, teacher: Teacher, directory: Path,
                    progress: Callable[[str], None] = print, methods: tuple[str, ...] | None = None,
                    learner: LearnerFactory = default_learner) -> TaskData:
    """Make every training set of the comparison for one task (no final training yet)."""
    task = spec(task_name)
    probe, test = gold_splits(task_name, config.probe_rows, config.test_rows, config.seed)
    data = TaskData(task, probe, test)
    methods = methods or tuple(config.methods)
    seed_rows = make_seed(data, teacher, config.seed_size, config)
    s3 = run_loop(data, teacher, seed_rows, config, directory / task_name / "s3", MisclassifiedSelector(), progress,
                  learner)
    data.loops["s3"], data.sets["s3"] = s3, s3.rows
    size = len(s3.rows)
    if "without_ees" in methods:
        data.sets["without_ees"] = _top_up(lambda n: make_seed(data, teacher, n, config), size)
    if "zerogen" in methods:
        data.sets["zerogen"] = _top_up(lambda n: _zerogen(data, teacher, n, config), size)
    if "goldgen" in methods:
        budgets = [max(1, summary["errors"]) for summary in s3.rounds]  # S3's error count per round
        goldgen = run_loop(data, teacher, seed_rows, config, directory / task_name / "goldgen",
                           AllSelector(budgets=budgets, seed=config.seed), progress, learner)
        data.loops["goldgen"], data.sets["goldgen"] = goldgen, goldgen.rows
    if "gold" in methods:
        data.sets["gold"] = [{**row, "round": 0, "origin": "gold"} for row in probe]
    return data


def train_and_score(data: TaskData, config: Any, progress: Callable[[str], None] = print,
                    learner_factory: LearnerFactory = default_learner) -> list[dict]:
    """A fresh student per training set, scored on the test rows."""
    rows = []
    for method, train_rows in data.sets.items():
        progress(f"{data.task.name} / {method}: final student on {len(train_rows)} rows")
        base = {"task": data.task.name, "method": method, "train_rows": len(train_rows),
                "synthetic_rows": 0 if method == "gold" else len(train_rows), "test_rows": len(data.test)}
        if not _trainable(data.task, train_rows):
            # e.g. a stand-in teacher whose answers never parsed: nothing to train on, nothing to score
            rows.append({**base, "note": "too few usable samples to train a student"})
            continue
        learner = learner_factory(data.task, config)
        learner.fit(train_rows)
        scores = learner.score(data.test, learner.predict(data.test))
        rows.append({**base, **_percent(scores), "train_seconds": getattr(learner, "last_fit", {}).get("train_seconds")})
    return rows


def _trainable(task: TaskSpec, rows: list[dict]) -> bool:
    """At least two rows, and for classification at least two labels."""
    if len(rows) < 2:
        return False
    return not task.is_classification or len({int(r["label"]) for r in rows}) >= 2


def _zerogen(data: TaskData, teacher: Teacher, n: int, config: Any) -> list[dict]:
    rows, report = synthesis.seed_plain(data.task, teacher, n, _sampling(config), config.seed + 7)
    data.reports[f"zerogen-{n}"] = report
    return rows


def _top_up(make: Callable[[int], list[dict]], size: int, tries: int = 3) -> list[dict]:
    """Ask for more samples until ``size`` rows parse (rejections cost samples), then cut to ``size``."""
    n, rows = size, []
    for _ in range(tries):
        rows = make(n)
        if len(rows) >= size:
            break
        # ask for the missing share again, at most doubling: a teacher that parses nothing costs 4x, not more
        n = min(2 * n, int(n * size / max(1, len(rows))) + 1, 4 * size)
    return rows[:size]


def _percent(scores: dict[str, float]) -> dict[str, float]:
    return {k: (100 * v if k in ("accuracy",) else v) for k, v in scores.items()}


def _sampling(config: Any) -> synthesis.Sampling:
    return synthesis.Sampling(temperature=config.temperature, top_p=config.top_p,
                              max_new_tokens=config.max_new_tokens)


def _student(config: Any, task: TaskSpec) -> StudentSettings:
    reference = config.student if task.is_classification else config.qa_student
    return StudentSettings(reference=reference, epochs=config.epochs, learning_rate=config.learning_rate,
                           batch_size=config.batch_size, max_length=config.max_length, seed=config.seed)
