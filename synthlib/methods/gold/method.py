"""GOLD end to end, with its baselines at the same budget of synthetic training samples.

For each task:

1. **GOLD**: the loop with OOD batches and energy-band feedback, the student trained with SCE;
2. **ZeroGen**: the same real examples, no feedback, CE (every method's classification requests name
   a balanced label, as in the paper's prompts);
3. **ProGen-lite**: feedback from the training samples the student agrees with most confidently, CE;
4. **Prompt2Model-style**: a higher temperature and earlier generations mixed into the prompt, CE;
5. **pre-trained** student (no training), **fine-tuned** student (real rows, CE), and the
   **teacher's own few-shot answers** on the test rows.

Each generator's data trains a *fresh* student for ``epochs`` (the loop's own student only steers
GOLD's feedback), so every method gets the same training recipe; the loss is GOLD's (``loss``,
SCE by default) for GOLD and CE for the baselines, as in the paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.loop import LoopResult
from synthlib.methods.gold import GENERATORS, PAPER, PAPER_CLASSIFICATION_AVERAGE, GoldConfig, Result
from synthlib.methods.gold.loop import GoldLoop, LoopSettings, training_rows
from synthlib.methods.gold.students import GoldStudent, StudentSettings, main_score, scores
from synthlib.methods.gold.synthesis import Sampling, answer_parser, answer_request
from synthlib.methods.gold.tasks import TaskSpec, spec, splits
from synthlib.teachers.base import Teacher
from synthlib.teachers.parsing import ParseReport, safe_parse


@dataclass
class TaskRun:
    """Real rows and every synthetic set made for one task."""

    task: TaskSpec
    pool: list[dict]
    test: list[dict]
    loops: dict[str, LoopResult] = field(default_factory=dict)  # tag -> loop result
    sets: dict[str, list[dict]] = field(default_factory=dict)  # method -> training rows
    reports: dict[str, Any] = field(default_factory=dict)


def open_teacher(reference: str) -> Teacher:
    """The teacher named by ``reference`` (the scripted stand-in, a packaged LLM, an HF id or
    path, an OpenAI-compatible endpoint), wrapped in the generation cache where it is a model."""
    from synthlib.methods.gold.scripted import REFERENCE, scripted_gold_teacher

    if reference == REFERENCE:
        return scripted_gold_teacher()
    from synthlib.teachers import load_teacher

    return load_teacher(reference, cache=True)


def text_mode(reference: str) -> str:
    """``causal`` for decoder-only text-to-text students (a packaged LLM, tiny-random-gpt2), else ``seq2seq``."""
    from synthlib.packaged import is_packaged

    return "causal" if is_packaged(reference) or reference == "tiny-random-gpt2" else "seq2seq"


def student_settings(config: GoldConfig, task: TaskSpec, loss: str | None = None, sigma: float | None = None,
                     epochs: float | None = None) -> StudentSettings:
    """The student for ``task``: the classifier, or the seq2seq model (seq2seq tasks, or text_to_text)."""
    seq2seq = config.text_to_text or not task.is_classification
    reference = config.seq2seq_student if seq2seq else config.student
    return StudentSettings(reference=reference, mode=text_mode(reference) if seq2seq else "classifier",
                           loss=loss or config.loss,
                           sce_lambda=config.sce_lambda, sce_sigma=config.sce_sigma if sigma is None else sigma,
                           epochs=config.epochs if epochs is None else epochs, learning_rate=config.learning_rate,
                           batch_size=config.batch_size, max_length=config.max_length, seed=config.seed)


def sampling(config: GoldConfig) -> Sampling:
    """The teacher's decoding settings."""
    return Sampling(temperature=config.temperature, top_p=config.top_p, max_new_tokens=config.max_new_tokens)


def prepare(task_name: str, config: GoldConfig) -> TaskRun:
    """The task's real-example pool and test rows."""
    task = spec(task_name)
    pool, test = splits(task_name, config.pool_rows, config.test_rows, config.seed)
    return TaskRun(task, pool, test)


def generate(data: TaskRun, strategy: str, config: GoldConfig, teacher: Teacher, directory: Path,
             progress: Callable[[str], None] = print, tag: str | None = None, loss: str | None = None,
             band: list[float] | None = None, sigma: float | None = None, iterations: int | None = None,
             use_feedback: bool = True) -> LoopResult:
    """Run one data-generation loop (``strategy``) for the task; stored as ``data.loops[tag]``.

    ``loss``/``sigma`` set the in-loop student's loss (GOLD's feedback depends on it), ``band`` the
    feedback band, ``iterations`` the length; ``use_feedback=False`` is vanilla generation.
    """
    strategy = strategy if use_feedback or strategy != "gold" else "vanilla"
    settings = LoopSettings(strategy=strategy, iterations=iterations or config.iterations,
                            per_iteration=config.per_iteration, val_per_iteration=config.val_per_iteration,
                            real_examples=config.real_examples, max_feedback=config.max_feedback,
                            band=tuple(band or config.band), loop_epochs=config.loop_epochs,
                            p2model_temperature=config.p2model_temperature, p2model_mix=config.p2model_mix,
                            seed=config.seed)
    student = None
    if settings.uses_student:
        loop_loss = loss or (config.loss if strategy == "gold" else "ce")
        student = GoldStudent(data.task, student_settings(config, data.task, loop_loss, sigma, config.loop_epochs))
    tag = tag or strategy
    loop = GoldLoop(data.task, teacher, data.pool, sampling(config), settings, directory / data.task.name / tag,
                    student, progress)
    data.loops[tag] = loop.run()
    return data.loops[tag]


def train_and_score(data: TaskRun, rows: list[dict], config: GoldConfig, loss: str, method: str,
                    progress: Callable[[str], None] = print, sigma: float | None = None) -> dict[str, Any]:
    """A fresh student trained on ``rows`` (no training when empty), scored on the test rows."""
    task = data.task
    base = {"task": task.name, "method": method, "metric": task.metric, "train_rows": len(rows), "loss": loss}
    if rows and task.is_classification and len({int(r["label"]) for r in rows}) < 2 and method != "pretrained":
        progress(f"{task.name} / {method}: only one label among {len(rows)} rows; the student still trains on them")
    student = GoldStudent(task, student_settings(config, task, loss, sigma))
    if rows:
        progress(f"{task.name} / {method}: training a fresh student on {len(rows)} rows")
        student.update(rows)
    values = scores(task, data.test, student.predict(data.test))
    return {**base, "score": main_score(task, values), **values, "train_seconds": round(student.train_seconds, 1)}


def teacher_fewshot(data: TaskRun, teacher: Teacher, config: GoldConfig) -> dict[str, Any]:
    """The teacher's own answers to test rows after the definition and real examples (a baseline)."""
    import random

    task = data.task
    rows = data.test[: config.fewshot_rows] if config.fewshot_rows else data.test
    requests = []
    for i, row in enumerate(rows):
        examples = random.Random(f"{config.seed}-fewshot-{i}").sample(data.pool, config.real_examples)
        requests.append(answer_request(task, examples, row, sampling(config), config.seed, i))
    parser, report, predictions = answer_parser(task), ParseReport(), []
    for request, generation in zip(requests, teacher.generate(requests), strict=True):
        parsed = safe_parse(lambda text, r=request: parser(text, r), generation.text)
        report.add(parsed)
        predictions.append(parsed.value if parsed.ok else (-1 if task.is_classification else ""))
    data.reports["fewshot"] = report.to_dict()
    values = scores(task, rows, predictions)
    return {"task": task.name, "method": "fewshot", "metric": task.metric, "train_rows": 0, "loss": "-",
            "score": main_score(task, values), **values, "answered_rows": len(rows), "train_seconds": 0.0}


def run(config: GoldConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """GOLD and its baselines on every task of the config."""
    from synthlib.models import is_stand_in

    directory = work_dir(config, run_dir)
    teacher = open_teacher(config.teacher)
    if run_dir is not None:
        run_dir.add_model("teacher", teacher.signature.to_dict())
    rows, data = [], {}
    for task_name in config.tasks:
        data[task_name] = item = prepare(task_name, config)
        for method in config.methods:
            if method in GENERATORS:
                loop = generate(item, method, config, teacher, directory, progress)
                item.sets[method] = training_rows(loop)
                rows.append(train_and_score(item, item.sets[method], config,
                                            config.loss if method == "gold" else "ce", method, progress))
            elif method == "pretrained":
                rows.append(train_and_score(item, [], config, "-", method, progress))
            elif method == "finetuned":
                real = item.pool[: config.finetune_rows] if config.finetune_rows else item.pool
                rows.append(train_and_score(item, real, config, "ce", method, progress))
            elif method == "fewshot":
                rows.append(teacher_fewshot(item, teacher, config))
    result = Result(scores=frame(rows), paper=paper_table(rows), iterations=iterations_table(data),
                    parse=parse_table(data), data=data, teacher=config.teacher,
                    stand_in=is_stand_in(config.teacher) or _stand_in_students(config))
    if run_dir is not None:
        from synthlib.methods.gold.datasets import save_sets

        save(result, run_dir)
        save_sets(config, run_dir, data, teacher.signature.to_dict(), result.stand_in)  # <run>/datasets/<task>-<method>
    return result


def _stand_in_students(config: GoldConfig) -> bool:
    from synthlib.models import is_stand_in

    return is_stand_in(config.student) or is_stand_in(config.seq2seq_student)


def paper_table(rows: list[dict]):
    """Our headline score per task and method beside the paper's (Tables 2 and 3), plus averages."""
    import pandas as pd

    table = [{"task": r["task"], "method": r["method"], "metric": r["metric"], "ours": r.get("score"),
              "paper": PAPER.get(r["method"], {}).get(r["task"])} for r in rows]
    frame_ = pd.DataFrame(table)
    if frame_.empty:
        return frame_
    classification = frame_[frame_["task"].isin(["rte", "qnli", "mrpc", "wnli", "anli"])]
    averages = [{"task": "classification average (ours: our tasks; paper: 6 tasks with MNLI)", "method": method,
                 "metric": "accuracy", "ours": group["ours"].mean(),
                 "paper": PAPER_CLASSIFICATION_AVERAGE.get(method)}
                for method, group in classification.groupby("method", sort=False)]
    return pd.concat([frame_, pd.DataFrame(averages)], ignore_index=True) if averages else frame_


def iterations_table(data: dict[str, TaskRun]):
    """One row per task, loop and iteration: samples kept, OOD samples, feedback, energy spread."""
    import pandas as pd

    rows = []
    for task, item in data.items():
        for tag, loop in item.loops.items():
            for summary in loop.rounds:
                energies = summary.get("energies") or []
                rows.append({"task": task, "loop": tag, "iteration": summary["round"],
                             "train kept": summary["train"]["kept"], "train asked": summary["train"]["total"],
                             "ood kept": summary.get("ood", {}).get("kept"), "feedback": len(summary["feedback_ids"]),
                             "energy min": min(energies) if energies else None,
                             "energy max": max(energies) if energies else None})
    return pd.DataFrame(rows)


def parse_table(data: dict[str, TaskRun]):
    """Parse rate and the most common rejection reasons per task, loop and step."""
    import pandas as pd

    rows = []
    for task, item in data.items():
        for tag, loop in item.loops.items():
            for step in ("train", "ood"):
                report = ParseReport()
                for summary in loop.rounds:
                    part = summary.get(step)
                    if part:
                        report.total += part["total"]
                        report.kept += part["kept"]
                        report.reasons.update(part["reasons"])
                if report.total:
                    rows.append({"task": task, "loop": tag, "step": step, **_cells(report.to_dict())})
        if "fewshot" in item.reports:
            rows.append({"task": task, "loop": "fewshot", "step": "answer", **_cells(item.reports["fewshot"])})
    return pd.DataFrame(rows)


def _cells(parse: dict) -> dict:
    reasons = ", ".join(f"{k} ({v})" for k, v in list(parse.get("reasons", {}).items())[:3])
    return {"outputs": parse["total"], "kept": parse["kept"], "parse_rate": parse["parse_rate"],
            "rejections": reasons or "-"}


def save(result: Result, run_dir: Any) -> None:
    """Tables and headline numbers into the run directory."""
    run_dir.save_table(result.scores, "scores")
    run_dir.save_table(result.paper, "paper_vs_ours")
    run_dir.save_table(result.iterations, "iterations")
    run_dir.save_table(result.parse, "parse")
    run_dir.save_results({"scores": result.scores.to_dict(orient="records"), "teacher": result.teacher,
                          "stand_in": result.stand_in})


def frame(rows: list[dict]):
    """Rows as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(rows)


def work_dir(config: GoldConfig, run_dir: Any) -> Path:
    """Where loops keep their state: ``work_dir``, else ``<run dir>/loops``, else a temporary folder."""
    if config.work_dir:
        return Path(config.work_dir)
    if run_dir is not None:
        return Path(run_dir.path) / "loops"
    import tempfile

    return Path(tempfile.mkdtemp(prefix="gold-"))
