"""SoftSRV end to end, with its baselines at the same number of kept questions.

For each task:

1. **SoftSRV** (``variant``: np, mp<k> or mc): train the soft prompt on the target questions
   (frozen LLM), sample ``generate`` questions from P(E(x_i)) cycling over the targets, filter
   (exact dedup -> diversify to N_s -> 13-gram decontamination), answer each question plainly;
2. **PT**: the same filters on questions from the domain template (ten per call, temperature 2),
   answered through the answer template;
3. **PT_SR**: PT's kept questions after ``sr_rounds`` of critique and rewrite, deduplicated and
   decontaminated again, answered like PT;
4. **train**: the real (question, answer) pairs of the train fold, as many as SoftSRV kept;
5. **untuned**: the student before any fine-tuning.

A fresh student is fine-tuned on each set with the same recipe and scored on the test rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.methods.softsrv import PAPER, PAPER_MAUVE_TEST, Result, SoftsrvConfig, synthesis
from synthlib.methods.softsrv import students as learners
from synthlib.methods.softsrv.tasks import TaskData, load_task
from synthlib.teachers.base import Teacher


@dataclass
class TaskRun:
    """Everything made for one task: questions per method, filter reports, pairs, the prompt run."""

    data: TaskData
    questions: dict[str, list[str]] = field(default_factory=dict)  # method -> kept questions
    pairs: dict[str, list[dict]] = field(default_factory=dict)  # method -> training pairs
    filters: dict[str, Any] = field(default_factory=dict)  # method -> PipelineReport
    reports: dict[str, Any] = field(default_factory=dict)  # parse reports, refinement counts
    prompts: dict[str, Any] = field(default_factory=dict)  # variant label -> PromptRun


@dataclass
class Models:
    """The models of one run, loaded once."""

    frozen: Any
    encoder: Any
    answerer: Teacher
    generator: Teacher  # PT / PT_SR


def open_teacher(reference: str) -> Teacher:
    """The scripted stand-in, or any model reference wrapped in the generation cache."""
    from synthlib.methods.softsrv.scripted import REFERENCE, scripted_softsrv_teacher

    if reference == REFERENCE:
        return scripted_softsrv_teacher()
    from synthlib.teachers import load_teacher

    return load_teacher(reference, cache=True)


def load_models(config: SoftsrvConfig) -> Models:
    """The frozen LLM (+ its context encoder), the answering teacher and the PT generator."""
    from synthlib.softprompt.context import MeanEmbedding
    from synthlib.softprompt.frozen import load_frozen
    from synthlib.teachers.cache import CachedTeacher

    frozen = load_frozen(config.frozen_lm)
    # PT's plain-text prompts reach Gemma with its <bos>: the hf backend renders it (synthlib.tokens.leading_bos)
    generator = open_teacher(config.pt_teacher) if config.pt_teacher else CachedTeacher(frozen, description="PT")
    return Models(frozen, MeanEmbedding.of(frozen.model, frozen.tokenizer), open_teacher(config.teacher), generator)


def prompt_folder() -> Path:
    """Where trained prompts are kept (beside the teacher cache): reruns and ablations reuse them."""
    from synthlib.teachers.cache import default_cache_dir

    return default_cache_dir() / "softsrv-prompts"


def softsrv_set(run: TaskRun, models: Models, config: SoftsrvConfig, variant: str, tokens: int, label: str,
                generate: int | None = None, samples: int | None = None) -> None:
    """Train/load the prompt, generate, filter and answer: ``run.questions[label]`` and ``run.pairs[label]``."""
    from synthlib.softprompt.training import PromptTrainSettings

    data = run.data
    spec = synthesis.prompt_spec(variant, tokens, models.frozen, models.encoder, config.mlp_hidden, config.mlp_layers)
    settings = PromptTrainSettings(steps=config.prompt_steps, batch_size=config.prompt_batch_size,
                                   learning_rate=config.prompt_lr, max_tokens=config.max_target_tokens, seed=config.seed)
    prompt, info = synthesis.trained_prompt(spec, models.frozen, models.encoder, data.targets, settings, prompt_folder())
    run.prompts[label] = info
    raw = synthesis.softsrv_questions(prompt, models.frozen, models.encoder, data.targets, generate or config.generate,
                                      config.max_new_tokens, config.seed)
    filter_and_answer(run, label, raw, models, config, template=not config.plain_answers, samples=samples)


def pt_sets(run: TaskRun, models: Models, config: SoftsrvConfig, with_refinement: bool) -> None:
    """PT's questions (and PT_SR's, refined from them), filtered and answered through the template."""
    data = run.data
    raw, report = synthesis.pt_questions(data.name, models.generator, data.targets, config.generate,
                                         config.pt_temperature, config.pt_max_new_tokens, config.seed)
    run.reports["pt parse"] = report
    filter_and_answer(run, "pt", raw, models, config, template=True)
    if with_refinement and run.questions["pt"]:
        refined, counts = synthesis.refine(data.name, models.generator, run.questions["pt"], config.sr_rounds,
                                           config.max_new_tokens, config.seed)
        run.reports["pt_sr refinement"] = counts
        filter_and_answer(run, "pt_sr", refined, models, config, template=True, diversify=False)


def filter_and_answer(run: TaskRun, label: str, raw: list[str], models: Models, config: SoftsrvConfig,
                       template: bool, diversify: bool = True, samples: int | None = None) -> None:
    kept, report = synthesis.filter_questions(raw, run.data, samples or config.samples, config.clusters,
                                              config.svd_dims, config.seed, diversify)
    run.questions[label], run.filters[label] = kept, report
    run.pairs[label], run.reports[f"{label} answers"] = synthesis.answer(
        run.data.name, models.answerer, kept, template, config.answer_max_new_tokens, config.seed)


def train_set(run: TaskRun, size: int, seed: int) -> None:
    """The real train pairs, ``size`` of them (seeded), as the 'train' method."""
    rows = list(run.data.train)
    random.Random(seed).shuffle(rows)
    run.pairs["train"] = rows[:size]
    run.questions["train"] = [r["question"] for r in rows[:size]]


def student_settings(config: SoftsrvConfig) -> learners.StudentSettings:
    """The student recipe shared by every method."""
    return learners.StudentSettings(reference=config.student, epochs=config.epochs, learning_rate=config.learning_rate,
                                    batch_size=config.batch_size, max_length=config.max_length, lora=config.lora,
                                    max_new_tokens=config.student_max_new_tokens, seed=config.seed)


def train_and_score(run: TaskRun, label: str, config: SoftsrvConfig, progress: Callable[[str], None]) -> dict:
    """A fresh student fine-tuned on ``run.pairs[label]`` (none for 'untuned'), scored on the test rows."""
    pairs = [] if label == "untuned" else run.pairs.get(label, [])
    base = {"task": run.data.name, "method": label, "train_rows": len(pairs), "test_rows": len(run.data.test)}
    if label != "untuned" and len(pairs) < 2:
        return {**base, "note": "too few usable (question, answer) pairs to train a student"}
    progress(f"{run.data.name} / {label}: student on {len(pairs)} pairs")
    settings = student_settings(config)
    student, seconds = learners.fit(settings, run.data.name, pairs)
    return {**base, **learners.score(student, run.data, settings), "train_seconds": seconds}


def run(config: SoftsrvConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """Every method on every task, then the tables."""
    from synthlib.models import is_stand_in

    models = load_models(config)
    if run_dir is not None:
        run_dir.add_model("frozen_lm", models.frozen.signature.to_dict())
        run_dir.add_model("teacher", models.answerer.signature.to_dict())
        run_dir.add_model("pt_generator", models.generator.signature.to_dict())
    scores, runs = [], {}
    for task in config.tasks:
        progress(f"{task}: loading data")
        item = TaskRun(load_task(task, config.train_rows, config.test_rows, config.seed))
        runs[task] = item
        if "softsrv" in config.methods:
            softsrv_set(item, models, config, config.variant, config.soft_tokens, "softsrv")
        if "pt" in config.methods or "pt_sr" in config.methods:
            pt_sets(item, models, config, with_refinement="pt_sr" in config.methods)
        if "train" in config.methods:
            train_set(item, len(item.pairs.get("softsrv", [])) or config.samples, config.seed)
        scores += [train_and_score(item, m, config, progress) for m in config.methods]
    result = Result(scores=frame(scores), paper=paper_table(scores, config), mauve=mauve_table(runs, config),
                    filters=filter_table(runs), prompts=prompt_table(runs), answers=answer_table(runs),
                    examples=examples_table(runs), data=runs,
                    stand_in=any(is_stand_in(m) for m in (config.frozen_lm, config.teacher, config.student)))
    if run_dir is not None:
        save(result, run_dir)
    return result


# -- tables ----------------------------------------------------------------------------------------

def frame(rows: list[dict]):
    """Rows as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(rows)


def paper_table(scores: list[dict], config: SoftsrvConfig):
    """Ours per task and method beside the paper's Table 1 (SS_NP / SS_MP2 / SS_MC, Gemma 2B)."""
    rows = []
    for row in scores:
        paper = PAPER.get(config.variant, {}).get(row["task"]) if row["method"] == "softsrv" else None
        rows.append({"task": row["task"], "method": _label(row["method"], config), "metric": row.get("metric"),
                     "ours": row.get("score"), "paper (Gemma 2B)": paper})
    return frame(rows)


def _label(method: str, config: SoftsrvConfig) -> str:
    return f"SoftSRV ({config.variant.upper()})" if method == "softsrv" else method


def mauve_table(runs: dict[str, TaskRun], config: SoftsrvConfig):
    """MAUVE of each method's kept questions against the test and the train questions (+ paper Table 4).

    Each text set is embedded once (MiniLM); MAUVE's k-means runs over ``mauve_seeds`` seeds. The
    'train' method is compared with the train questions it does not contain.
    """
    if not config.mauve:
        return frame([])
    from synthlib.metrics.distribution import default_encoder, mauve_from_features

    encoder, rows, seeds = default_encoder(), [], tuple(range(config.mauve_seeds))

    def embed(texts: list[str]):
        return encoder.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    for task, item in runs.items():
        test, train = embed([r["question"] for r in item.data.test]), embed(item.data.targets)
        for method, questions in item.questions.items():
            chosen = set(questions) if method == "train" else set()
            others = train[[i for i, q in enumerate(item.data.targets) if q not in chosen]]
            if len(questions) < 2 or len(others) < 2:
                continue
            features = embed(questions)
            versus_test = mauve_from_features(features, test, seeds=seeds)
            versus_train = mauve_from_features(features, others, seeds=seeds)
            key = config.variant if method == "softsrv" else method.removeprefix("softsrv-")
            rows.append({"task": task, "method": _label(method, config), "questions": len(questions),
                         "MAUVE vs test": versus_test.mean, "+-": versus_test.std, "MAUVE vs train": versus_train.mean,
                         "paper vs test": PAPER_MAUVE_TEST.get(key, {}).get(task)})
    return frame(rows)


def filter_table(runs: dict[str, TaskRun]):
    """Per task and method: generated, then what dedup, diversification and decontamination removed."""
    rows = []
    for task, item in runs.items():
        for method, report in item.filters.items():
            counts = report.counts()
            rows.append({"task": task, "method": method, "generated": report.n_in,
                         "exact duplicates": counts.get("exact_duplicate", 0),
                         "diversity subsampled": counts.get("diversity_subsampled", 0),
                         "contaminated (13-gram)": counts.get("contaminated", 0), "kept": report.n_kept,
                         "answered": len(item.pairs.get(method, []))})
    return frame(rows)


def prompt_table(runs: dict[str, TaskRun]):
    """Per task and soft prompt: parameters, steps, first and last training loss, reused or trained."""
    rows = []
    for task, item in runs.items():
        for label, info in item.prompts.items():
            losses = info.losses
            head, tail = losses[: max(1, len(losses) // 10)], losses[-max(1, len(losses) // 10):]
            rows.append({"task": task, "prompt": label, "variant": info.variant, "soft tokens": info.tokens,
                         "parameters": info.parameters, "steps": len(losses),
                         "loss (first 10%)": sum(head) / len(head) if losses else None,
                         "loss (last 10%)": sum(tail) / len(tail) if losses else None, "reused": info.reused})
    return frame(rows)


def answer_table(runs: dict[str, TaskRun]):
    """Answer parse rate and the most common rejection reasons per task and method."""
    rows = []
    for task, item in runs.items():
        for key, report in item.reports.items():
            if key.endswith("answers") or key == "pt parse":
                parse = report.to_dict()
                reasons = ", ".join(f"{k} ({v})" for k, v in list(parse["reasons"].items())[:3])
                rows.append({"task": task, "step": key, "outputs": parse["total"], "kept": parse["kept"],
                             "parse_rate": parse["parse_rate"], "rejections": reasons or "-"})
    return frame(rows)


def examples_table(runs: dict[str, TaskRun], per_method: int = 2, width: int = 300):
    """A few kept questions per task and method (shortened to ``width`` characters)."""
    rows = []
    for task, item in runs.items():
        for method, questions in item.questions.items():
            for question in questions[:per_method]:
                rows.append({"task": task, "method": method, "question": question[:width]})
    return frame(rows)


def save(result: Result, run_dir: Any) -> None:
    """Tables and headline numbers into the run directory."""
    for name in ("scores", "paper", "mauve", "filters", "prompts", "answers", "examples"):
        run_dir.save_table(getattr(result, name), name)
    run_dir.save_results({"scores": result.scores.to_dict(orient="records"), "stand_in": result.stand_in})

