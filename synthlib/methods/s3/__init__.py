"""S3, "Let's Synthesize Step by Step" (Wang, Zhou, Sachan, EMNLP Findings 2023): extrapolate the
student's errors on a small gold probe set, round after round.

``S3Config.from_profile(profile, params)`` then ``run(config, run_dir)`` -> :class:`Result`: our
numbers for S3 and its baselines (ZeroGen, GoldGen, without EES, gold) beside the paper's, and the
replication on the paper's released GPT-3.5 rounds. The teacher is one parameter: ``teacher`` is
``stand-in-scripted`` (rule-based, tests and smoke), a packaged LLM alias, an HF hub id or path, or
``openai:<model>@<base-url>``.

Submodules: ``tasks`` (splits), ``synthesis`` (requests + parsing), ``learners`` (students),
``method`` (the comparison), ``replication``, ``ablations``, ``scripted`` (the scripted teacher),
``datasets`` (each synthetic training set saved as a dataset with its card), ``report`` (the chapter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.config import BaseConfig, ConfigError, check_choices, option

METHODS = ("s3", "without_ees", "zerogen", "goldgen", "gold")

#: the paper's published numbers (PAPERS.md): accuracy % (AdQA: EM, F1)
PAPER = {
    "distilbert": {
        "gold": {"imdb": 87.93, "qnli": 88.05, "rte": 58.12, "adversarial_qa": (18.6, 29.85)},
        "zerogen": {"imdb": 84.28, "qnli": 71.19, "rte": 59.93, "adversarial_qa": (6.33, 9.96)},
        "goldgen": {"imdb": 87.93, "qnli": 78.31, "rte": 64.25, "adversarial_qa": (11.63, 23.33)},
        "s3": {"imdb": 89.00, "qnli": 79.92, "rte": 73.29, "adversarial_qa": (12.50, 24.38)},
        "without_ees": {"imdb": 86.86, "qnli": 73.70, "rte": 65.71, "adversarial_qa": (8.70, 20.03)},
    },
    "minilm": {
        "gold": {"imdb": 92.30, "qnli": 91.00, "rte": 71.50, "adversarial_qa": (22.97, 36.59)},
        "zerogen": {"imdb": 83.66, "qnli": 70.11, "rte": 72.2, "adversarial_qa": (5.07, 10.74)},
        "s3": {"imdb": 89.55, "qnli": 85.20, "rte": 76.17, "adversarial_qa": (20.50, 34.40)},
    },
}


@dataclass
class S3Config(BaseConfig):
    """Parameters of the S3 chapter (and, through subclasses, of its ablations)."""

    name = "s3"

    teacher: str = option("gemma-3-270m", "Teacher: a packaged LLM alias, an HF id/path, openai:<model>@<url>, or "
                          "stand-in-scripted (rule-based, tests and smoke only).",
                          kind="model")
    student: str = option("minilm", "Classifier student (IMDb, RTE, QNLI): alias, hub id or path.", kind="model")
    qa_student: str = option("minilm", "AdversarialQA student (EM/F1): an encoder (minilm: extracts the span, like "
                             "the paper's DistilBERT) or a seq2seq model (tiny-random-t5, a T5 id: writes it).",
                             kind="model")
    embedder: str = option("minilm", "Sentence encoder for the quality and coverage ablations.", kind="model")
    tasks: list[str] = option(["imdb", "rte"], "Tasks: any of imdb, rte, qnli, adversarial_qa.")
    methods: list[str] = option(list(METHODS), "Methods compared: s3, without_ees, zerogen, goldgen, gold.")
    seed_size: int = option(200, "Seed samples (round 0) per task.")
    rounds: int = option(2, "Error-extrapolation rounds (paper: 2).")
    samples_per_error: int = option(1, "Teacher samples per misclassified probe row and round.")
    k_rationales: int = option(10, "Rationales the teacher lists per label (K).")
    k_draw: int = option(2, "Rationales drawn into each seed prompt (k).")
    probe_rows: int = option(500, "Gold probe (EES validation) rows per task (0: all available).")
    test_rows: int = option(500, "Gold test rows scored per task (0: all available).")
    temperature: float = option(0.9, "Teacher sampling temperature (paper: 0.9).")
    top_p: float = option(0.95, "Teacher nucleus-sampling mass.")
    max_new_tokens: int = option(160, "Teacher token limit per answer.")
    epochs: float = option(3.0, "Student epochs per training run.")
    learning_rate: float = option(5e-5, "Student learning rate.")
    batch_size: int = option(16, "Student batch size.")
    max_length: int = option(128, "Student token limit per input (longer reviews are truncated).")
    work_dir: str = option("", "Folder for loop state: a rerun with the same folder resumes. '' = the run dir; "
                                 "'shared' = one folder per loop setting under the synthlib cache, so the chapter "
                                 "and its ablations train each loop once.")
    replication: bool = option(True, "Also train on the paper's released GPT-3.5 rounds (IMDb, RTE).")
    replication_tasks: list[str] = option(["imdb", "rte"], "Tasks of the replication (imdb, rte).")
    replication_train_rows: int = option(1000, "Training rows per replication condition (seeded subsample).")
    replication_test_rows: int = option(1000, "IMDb test rows scored in the replication (RTE: all 277).")
    replication_epochs: float = option(3.0, "Student epochs in the replication.")

    def validate(self) -> None:
        """Known tasks and methods, positive sizes."""
        super().validate()
        from synthlib.methods.s3.tasks import TASKS

        check_choices(self.tasks, TASKS, "task", "tasks")
        check_choices(self.methods, METHODS, "method", "methods")
        if "s3" not in self.methods:
            raise ConfigError("methods must include 's3': the baselines take their budget from it")
        for task in self.replication_tasks:
            if task not in ("imdb", "rte"):
                raise ConfigError(f"the released data covers imdb and rte, not '{task}'; fix replication_tasks")
        if self.seed_size < 2 or self.rounds < 0 or self.samples_per_error < 1 or self.k_draw < 1 \
                or self.k_rationales < self.k_draw:
            raise ConfigError("need seed_size >= 2, rounds >= 0, samples_per_error >= 1 and "
                              "k_rationales >= k_draw >= 1")


@dataclass
class Result:
    """What the S3 chapter shows."""

    scores: Any  # DataFrame: task, method, train_rows, accuracy | exact_match, f1
    paper: Any  # DataFrame: ours beside the paper's tables
    rounds: Any  # DataFrame: per task, loop and round: train rows, probe score, errors, selected, kept
    parse: Any  # DataFrame: parse rate and rejection reasons per task and step
    replication: Any = None  # DataFrame or None
    data: dict[str, Any] = field(default_factory=dict)  # task -> TaskData (for the ablations)
    teacher: str = ""
    stand_in: bool = True


def run(config: S3Config, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """S3 and its baselines on every task, then the replication on the released rounds."""
    from synthlib.methods.s3.method import open_teacher, synthesize_task, train_and_score
    from synthlib.models import is_stand_in

    directory = _work_dir(config, run_dir)
    teacher = open_teacher(config.teacher)
    if run_dir is not None:
        run_dir.add_model("teacher", teacher.signature.to_dict())
    scores, data = [], {}
    for task in config.tasks:
        data[task] = synthesize_task(task, config, teacher, directory, progress)
        scores += train_and_score(data[task], config, progress)
    result = Result(scores=_frame(scores), paper=paper_table(scores, config), rounds=rounds_table(data),
                    parse=parse_table(data), data=data, teacher=config.teacher,
                    stand_in=is_stand_in(config.teacher))
    if config.replication:
        result.replication = replicate(config, progress)
    if run_dir is not None:
        from synthlib.methods.s3.datasets import save_sets

        save(result, run_dir)
        save_sets(config, run_dir, data, teacher.signature.to_dict(), result.stand_in)  # <run>/datasets/<task>-<method>
    return result


def replicate(config: S3Config, progress: Callable[[str], None] = print):
    """The MiniLM student on the released GPT-3.5 rounds and on gold data, beside the paper's Table 9."""
    from synthlib.methods.s3.learners import StudentSettings
    from synthlib.methods.s3.replication import ReplicationSettings, beside_paper, run_replication

    settings = ReplicationSettings(tasks=tuple(config.replication_tasks), max_train_rows=config.replication_train_rows,
                                   test_rows=config.replication_test_rows,
                                   student=StudentSettings(reference=config.student, epochs=config.replication_epochs,
                                                           learning_rate=config.learning_rate,
                                                           batch_size=config.batch_size,
                                                           max_length=config.max_length, seed=config.seed))
    return beside_paper(run_replication(settings, config.seed, progress))


def paper_table(scores: list[dict], config: S3Config):
    """Our score per task and method beside the paper's DistilBERT and MiniLM numbers."""
    import pandas as pd

    rows = []
    for row in scores:
        task, method = row["task"], row["method"]
        ours = row.get("accuracy", row.get("exact_match"))
        rows.append({"task": task, "method": method, "ours": ours, "ours F1 (QA)": row.get("f1"),
                     "paper DistilBERT": _paper("distilbert", method, task),
                     "paper MiniLM": _paper("minilm", method, task)})
    return pd.DataFrame(rows)


def _paper(student: str, method: str, task: str):
    value = PAPER[student].get(method, {}).get(task)
    return value[0] if isinstance(value, tuple) else value


def rounds_table(data: dict[str, Any]):
    """One row per task, loop (s3, goldgen) and round."""
    import pandas as pd

    rows = []
    for task, item in data.items():
        for loop_name, loop in item.loops.items():
            for summary in loop.rounds:
                rows.append({"task": task, "loop": loop_name, "round": summary["round"],
                             "train_rows": summary["train_rows"], **{f"probe {k}": v for k, v in
                                                                      summary["probe_scores"].items()},
                             "errors": summary["errors"], "selected": len(summary["selected_ids"]),
                             "kept": summary["parse"]["kept"], "parse_rate": summary["parse"]["parse_rate"]})
    return pd.DataFrame(rows)


def parse_table(data: dict[str, Any]):
    """Parse rate and the most common rejection reasons, per task and teacher step."""
    import pandas as pd

    rows = []
    for task, item in data.items():
        for step, report in item.reports.items():
            parse = report.get("parse", report)
            rows.append({"task": task, "step": step, **_parse_cells(parse)})
        for loop_name, loop in item.loops.items():
            for summary in loop.rounds:
                rows.append({"task": task, "step": f"{loop_name} round {summary['round']}",
                             **_parse_cells(summary["parse"])})
    return pd.DataFrame(rows)


def _parse_cells(parse: dict) -> dict:
    reasons = ", ".join(f"{k} ({v})" for k, v in list(parse.get("reasons", {}).items())[:3])
    return {"outputs": parse.get("total", 0), "kept": parse.get("kept", 0),
            "parse_rate": parse.get("parse_rate", 0.0), "rejections": reasons or "-"}


def save(result: Result, run_dir: Any) -> None:
    """Tables and headline numbers into the run directory."""
    run_dir.save_table(result.scores, "scores")
    run_dir.save_table(result.paper, "paper_vs_ours")
    run_dir.save_table(result.rounds, "rounds")
    run_dir.save_table(result.parse, "parse")
    if result.replication is not None:
        run_dir.save_table(result.replication, "replication")
    run_dir.save_results({"scores": result.scores.to_dict(orient="records"), "teacher": result.teacher,
                          "stand_in": result.stand_in})


def _frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows)


#: the fields that decide what a loop makes; ``work_dir: shared`` keys its folder by them
LOOP_FIELDS = ("teacher", "student", "qa_student", "seed", "seed_size", "rounds", "samples_per_error", "k_rationales",
               "k_draw", "probe_rows", "temperature", "top_p", "max_new_tokens", "epochs", "learning_rate",
               "batch_size", "max_length")


def _work_dir(config: S3Config, run_dir: Any) -> Path:
    if config.work_dir == "shared":
        import hashlib
        import json

        from synthlib.teachers.cache import default_cache_dir

        setting = json.dumps({name: getattr(config, name) for name in LOOP_FIELDS}, sort_keys=True)
        return default_cache_dir() / "s3-loops" / hashlib.sha256(setting.encode()).hexdigest()[:12]
    if config.work_dir:
        return Path(config.work_dir)
    if run_dir is not None:
        return Path(run_dir.path) / "loops"
    import tempfile

    return Path(tempfile.mkdtemp(prefix="s3-"))


__all__ = ["METHODS", "PAPER", "Result", "S3Config", "paper_table", "replicate", "run"]
