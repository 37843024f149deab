"""Capability-transfer ablations, each its own notebook.

* **Student size** (the paper's Figure 2): the same teacher data, students of increasing size,
  synthetic targets only; the best keyword inclusion / accuracy per size and the gain over step 0.
* **Teacher size and temperature** (future work in the paper): training data from each (teacher,
  temperature); every student is scored on ONE fixed metric, the reference teacher's (``teacher``
  at ``temperature``) keywords and questions on the held-out articles, so the settings are compared
  on the same yardstick. Each setting's own parse rate is reported beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthlib.config import ConfigError, option
from synthlib.methods.captransfer import CaptransferConfig, Result, report
from synthlib.methods.captransfer import method as m
from synthlib.methods.captransfer import splits as sp
from synthlib.methods.captransfer.articles import load_articles, split


@dataclass
class CaptransferStudentSizeConfig(CaptransferConfig):
    """Student-size ablation: synthetic targets, every student size."""

    name = "captransfer__student_size"

    targets: list[str] = option(["synthetic"], "Training targets (the ablation needs only the teacher's).")


def student_size(config: CaptransferStudentSizeConfig, run_dir: Any = None,
                 progress: Callable[[str], None] = print) -> Result:
    """The main pipeline, restricted to the configured targets (``report.size_table`` compares sizes)."""
    return m.run(config, run_dir, progress)


@dataclass
class CaptransferTeacherConfig(CaptransferConfig):
    """Teacher-size and decoding-temperature ablation."""

    name = "captransfer__teacher"

    targets: list[str] = option(["synthetic"], "Training targets (the ablation compares teachers' data).")
    teachers: list[str] = option(["stand-in-scripted"], "Teachers whose data the students learn from.",
                                 kind="model")
    temperatures: list[float] = option([0.3, 0.7, 1.0], "Teacher sampling temperatures compared.")

    def validate(self) -> None:
        """At least one teacher and one non-negative temperature."""
        super().validate()
        if not self.teachers or not self.temperatures or min(self.temperatures) < 0:
            raise ConfigError("teachers and temperatures need at least one value each; temperatures >= 0")


@dataclass
class TeacherResult:
    """What the teacher ablation shows."""

    trajectories: Any  # DataFrame with a ``setting`` column (teacher @ temperature)
    best: Any  # per task, setting and student
    parse: Any  # per task and setting: parse rate, rejections
    reference: str = ""
    stand_in: bool = True


def teacher_settings(config: CaptransferTeacherConfig, run_dir: Any = None,
                     progress: Callable[[str], None] = print) -> TeacherResult:
    """Students trained on each (teacher, temperature)'s data, scored by the reference teacher's metric."""
    import pandas as pd

    from synthlib.models import is_stand_in

    articles = load_articles(config.sources, config.articles, config.article_words, config.sentences, config.seed)
    train_articles, eval_articles = split(articles, config.eval_share, config.seed)
    reference = m.open_teacher(config.teacher)
    points, parse = [], []
    for task in config.tasks:
        judge = m.synthesize(task, eval_articles, reference, m.decoding(config), m.uses_chat(config.teacher))
        evaluation = _evaluation(config, task, eval_articles, judge.values)
        for name in config.teachers:
            teacher = reference if name == config.teacher else m.open_teacher(name)
            if run_dir is not None:
                run_dir.add_model(f"teacher {name}", teacher.signature.to_dict())
            for temperature in config.temperatures:
                setting = f"{name} @ T={temperature:g}"
                progress(f"{task} / {setting}: asking the teacher about {len(train_articles)} articles")
                synthesis = m.synthesize(task, train_articles, teacher, m.decoding(config, temperature),
                                         m.uses_chat(name))
                data = m.TaskData(task, synthesis, train={"synthetic": _train_rows(task, train_articles, synthesis)},
                                  evaluation=evaluation)
                parse.append({"task": task, "setting": setting, **_parse_cells(synthesis.report.to_dict()),
                              "train rows": len(data.train["synthetic"])})
                points += m.trajectories(config, data, progress, ["synthetic"],
                                         {"setting": setting, "teacher_model": name, "temperature": temperature})
    table = report.frame(points)
    best = report.best_table(table, config.students, by=("task", "setting", "student")) if points else pd.DataFrame()
    stand_in = any(is_stand_in(t) for t in (config.teacher, *config.teachers, *config.students))
    result = TeacherResult(trajectories=table, best=best, parse=pd.DataFrame(parse), reference=config.teacher,
                           stand_in=stand_in)
    if run_dir is not None:
        run_dir.save_table(table, "trajectories")
        run_dir.save_table(best, "best")
        run_dir.save_table(result.parse, "parse")
        run_dir.save_results({"best": best.to_dict(orient="records"), "reference": config.teacher,
                              "stand_in": stand_in})
    return result


def _evaluation(config: CaptransferConfig, task: str, articles: list, values: dict) -> list[dict]:
    if task == "summarization":
        return sp.summary_eval_rows(articles, values)[: config.eval_articles or None]
    return sp.qa_rows(sp.qa_items(articles, values), "synthetic")[: config.eval_questions or None]


def _train_rows(task: str, articles: list, synthesis) -> list[dict]:
    if task == "summarization":
        return sp.summary_rows([a for a in articles if a.id in synthesis.values], "synthetic", synthesis.values)
    return sp.qa_rows(sp.qa_items(articles, synthesis.values), "synthetic")


def _parse_cells(parse: dict) -> dict:
    reasons = ", ".join(f"{k} ({v})" for k, v in parse["reasons"].items()) or "-"
    return {"answers": parse["total"], "kept": parse["kept"], "parse rate": parse["parse_rate"], "rejections": reasons}


__all__ = ["CaptransferStudentSizeConfig", "CaptransferTeacherConfig", "TeacherResult",
           "student_size", "teacher_settings"]
