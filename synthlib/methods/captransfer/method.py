"""Capability transfer end to end.

1. Draw ``articles`` articles from the mirror; ask the teacher, per article, for keywords + a
   summary (summarization) and for a summary + yes/no questions (Q&A); count every rejection.
2. Summarization: 80/20 split of the articles. Students learn article -> target for each target
   (the teacher's summary, the article's human-written lead, the mirror's GPT-4 summary), always on
   the same training articles; all are scored by keyword inclusion of the teacher's keywords on
   the held-out articles.
3. Q&A: questions split by summary (80/20); students learn (context, question) -> yes/no, where
   the context is the teacher's summary (synthetic) or the article's lead (human, the paper's
   "highlights with the teacher's questions"); all are scored on held-out questions of unseen
   teacher summaries, beside the label prior and the always-majority baseline.
4. Every (task, target, student, seed) is one training run of ``epochs`` with the metric at step 0
   and every ``eval_every`` steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synthlib.methods.captransfer import QA_TARGETS, CaptransferConfig, Result
from synthlib.methods.captransfer import splits as sp
from synthlib.methods.captransfer.articles import Article, load_articles, split
from synthlib.methods.captransfer.students import StudentRecipe, answer_accuracy, keyword_score, train_trajectory
from synthlib.methods.captransfer.synthesis import Decoding, Synthesis, synthesize, uses_chat
from synthlib.teachers.base import Teacher


@dataclass
class TaskData:
    """One problem's teacher output, training sets per target and held-out evaluation rows."""

    task: str
    synthesis: Synthesis
    train: dict[str, list[dict]] = field(default_factory=dict)  # target -> rows
    evaluation: list[dict] = field(default_factory=list)


def open_teacher(reference: str) -> Teacher:
    """The scripted stand-in, or any other teacher through the generation cache."""
    from synthlib.methods.captransfer.scripted import REFERENCE, scripted_captransfer_teacher

    if reference == REFERENCE:
        return scripted_captransfer_teacher()
    from synthlib.teachers import load_teacher

    return load_teacher(reference, cache=True)


def decoding(config: CaptransferConfig, temperature: float | None = None) -> Decoding:
    """The teacher's decoding settings and request sizes."""
    return Decoding(temperature=config.temperature if temperature is None else temperature, top_p=config.top_p,
                    max_new_tokens=config.teacher_tokens, keywords=config.keywords, questions=config.questions,
                    sentences=config.sentences, system_prompt=config.system_prompt, prefill=config.prefill,
                    require_keywords_in_summary=config.require_keywords_in_summary, seed=config.seed,
                    constrained=config.constrained)


def recipe(config: CaptransferConfig, student: str) -> StudentRecipe:
    """Training and evaluation settings of ``student`` (LoRA ones get their own learning rate)."""
    lora = student in config.lora_students
    return StudentRecipe(reference=student, lora=lora, lora_r=config.lora_r, epochs=config.epochs,
                         batch_size=config.batch_size,
                         learning_rate=config.lora_learning_rate if lora else config.learning_rate,
                         eval_every=config.eval_every, max_length=config.max_length,
                         summary_tokens=config.summary_tokens)


def summarization_data(config: CaptransferConfig, articles: list[Article], synthesis: Synthesis) -> TaskData:
    """Training rows per target on the same kept training articles, and the held-out keyword rows."""
    train_articles, eval_articles = split(articles, config.eval_share, config.seed)
    kept = [a for a in train_articles if a.id in synthesis.values]
    data = TaskData("summarization", synthesis)
    for target in config.targets:
        data.train[target] = sp.summary_rows(kept, target, synthesis.values)
    data.evaluation = _first(sp.summary_eval_rows(eval_articles, synthesis.values), config.eval_articles)
    return data


def qa_data(config: CaptransferConfig, articles: list[Article], synthesis: Synthesis) -> TaskData:
    """Training rows per target (synthetic / human context) and held-out questions of unseen summaries."""
    items = sp.qa_items(articles, synthesis.values)
    train_items, held = sp.split_by_summary(items, config.eval_share, config.seed)
    data = TaskData("qa", synthesis)
    for target in config.targets:
        if target in QA_TARGETS:
            data.train[target] = sp.qa_rows(train_items, target)
    data.evaluation = _first(sp.qa_rows(held, "synthetic"), config.eval_questions)
    return data


def label_baselines(data: TaskData) -> dict[str, float]:
    """The label prior (yes share of training answers) and the always-majority accuracy on held-out (%)."""
    train = data.train.get("synthetic") or next(iter(data.train.values()), [])
    if not train or not data.evaluation:
        return {}
    yes = sum(r["target"] == "yes" for r in train) / len(train)
    majority = "yes" if yes >= 0.5 else "no"
    held_yes = sum(r["target"] == "yes" for r in data.evaluation) / len(data.evaluation)
    return {"label prior (yes share, train)": 100 * yes, "yes share (held-out)": 100 * held_yes,
            f"always-{majority} accuracy (held-out)": 100 * (held_yes if majority == "yes" else 1 - held_yes)}


def trajectories(config: CaptransferConfig, data: TaskData, progress: Callable[[str], None],
                 targets: list[str] | None = None, label: dict[str, Any] | None = None) -> list[dict]:
    """One training run per (target, student, seed); the metric at every checkpoint."""
    evaluate = keyword_score if data.task == "summarization" else answer_accuracy
    if not data.evaluation:
        raise ValueError(f"{data.task}: no held-out rows survived the teacher's rejections; raise articles "
                         "or look at the parse table")
    points = []
    for target in targets or list(data.train):
        rows = data.train.get(target) or []
        if not rows:
            progress(f"{data.task} / {target}: no training rows; skipped")
            continue
        for student in config.students:
            for seed in config.seeds:
                progress(f"{data.task} / {target} / {student} / seed {seed}: {len(rows)} rows")
                scorer = (lambda s, r, ev=evaluate: ev(s, data.evaluation, r))
                for point in train_trajectory(recipe(config, student), rows, scorer, seed):
                    points.append({"task": data.task, "target": target, "student": student, "seed": seed,
                                   "train_rows": len(rows), **(label or {}), **point})
    return points


def run(config: CaptransferConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """Both problems (as configured) with every target, student and seed."""
    from synthlib.methods.captransfer import report
    from synthlib.models import is_stand_in

    teacher = open_teacher(config.teacher)
    if run_dir is not None:
        run_dir.add_model("teacher", teacher.signature.to_dict())
    articles = load_articles(config.sources, config.articles, config.article_words, config.sentences, config.seed)
    data, points, baselines = {}, [], {}
    for task in config.tasks:
        progress(f"{task}: asking the teacher about {len(articles)} articles")
        synthesis = synthesize(task, articles, teacher, decoding(config), uses_chat(config.teacher))
        data[task] = (summarization_data if task == "summarization" else qa_data)(config, articles, synthesis)
        if task == "qa":
            baselines = label_baselines(data[task])
        points += trajectories(config, data[task], progress)
    table = report.frame(points)
    stand_in = is_stand_in(config.teacher) or any(is_stand_in(s) for s in config.students)
    result = Result(trajectories=table, best=report.best_table(table, config.students),
                    paper=report.paper_table(table, config.students), parse=report.parse_table(data),
                    baselines=baselines, data=data, teacher=config.teacher, stand_in=stand_in)
    if run_dir is not None:
        report.save(result, run_dir)
    return result


def _first(rows: list[dict], count: int) -> list[dict]:
    return rows[:count] if count else rows
