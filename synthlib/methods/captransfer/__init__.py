"""Capability transfer with synthetic data (PAPERS.md section 1, seed 000): the teacher writes both
what the student learns and how the student is scored, so no human label is needed.

``CaptransferConfig.from_profile(profile, params)`` then ``run(config, run_dir)`` -> :class:`Result`:
checkpoint trajectories (the teacher-made metric at step 0 and every ``eval_every`` steps) of
causal-LM students trained on the teacher's data, on a human-written stand-in (the article's lead)
and, for summarization, on the mirror's GPT-4 summaries.

Submodules: ``articles`` (mirror articles, 80/20 split, lead and GPT-4 targets), ``synthesis``
(teacher requests + tagged parsing with counted rejections), ``splits`` (Q&A train / held-out by
summary), ``students`` (training with trajectories, the two metrics), ``method`` (the comparison),
``report`` (tables and figures), ``ablations`` (student size; teacher size and temperature),
``scripted`` (the rule-based stand-in teacher of tests and smoke).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synthlib.config import BaseConfig, ConfigError, check_choices, option

TASKS = ("summarization", "qa")
SOURCES = ("cnndm", "wikinews")
#: training targets: the teacher's (synthetic), the article's human-written lead, the mirror's GPT-4 summary
TARGETS = ("synthetic", "human", "gpt4")
#: the yes/no Q&A problem has no GPT-4 targets in the mirror
QA_TARGETS = ("synthetic", "human")

#: the paper's published numbers (FLAN-T5 small / base / large students, GPT-4o-mini teacher)
PAPER = {
    "keyword inclusion before fine-tuning (%)": "35-43",
    "synthetic over human, best keyword inclusion (relative %)": "52-57",
    "bigger students, keyword inclusion gain (%)": "~10",
    "Q&A synthetic minus human (points): small / base / large": "+4.5 / +0.68 / +0.08",
    "Q&A label prior (share of yes)": "~75%",
}
PAPER_QA_GAIN = {"small": 4.5, "base": 0.68, "large": 0.08}
PAPER_RELATIVE_GAIN = (52.0, 57.0)


@dataclass
class CaptransferConfig(BaseConfig):
    """Parameters of the capability-transfer chapter (and, through subclasses, of its ablations)."""

    name = "captransfer"

    teacher: str = option("stand-in-scripted",
                          "Teacher writing data and metric: stand-in-scripted, a packaged alias, an HF id/path or "
                          "openai:<model>@<url>.", kind="model")
    students: list[str] = option(["tiny-random-gpt2"], "Causal-LM students, smallest first (paper: FLAN-T5 "
                                 "small/base/large).", kind="model")
    lora_students: list[str] = option([], "Students trained through LoRA adapters instead of full fine-tuning "
                                      "(names not in students are ignored).", kind="model")
    tasks: list[str] = option(list(TASKS), f"Problems: any of {', '.join(TASKS)}.")
    targets: list[str] = option(list(TARGETS), f"Training targets compared: any of {', '.join(TARGETS)} "
                                "(gpt4: summarization on CNN/DM only).")
    sources: list[str] = option(["cnndm"], f"Article sources from the mirror: any of {', '.join(SOURCES)}.")
    articles: int = option(200, "Articles sent to the teacher per problem (paper: ~35k summaries, ~10k Q&A articles).")
    eval_share: float = option(0.2, "Share of articles held out for evaluation (paper: 0.2).")
    article_words: int = option(300, "Articles are cut to this many words (teacher prompt and student input).")
    keywords: int = option(5, "Keywords per summary (paper: 5).")
    questions: int = option(5, "Yes/no questions per summary (paper: 5).")
    sentences: int = option(3, "Sentences asked for per summary (paper: about 3).")
    require_keywords_in_summary: bool = option(True, "Reject a teacher answer whose summary misses one of its keywords.")
    temperature: float = option(0.7, "Teacher sampling temperature.")
    top_p: float = option(0.95, "Teacher nucleus-sampling mass.")
    teacher_tokens: int = option(320, "Teacher token limit per answer.")
    system_prompt: bool = option(True, "Send the data-writer system turn to chat teachers (fewer refusals).")
    prefill: bool = option(True, "Start chat teachers' answers with the first tag (an assistant prefill).")
    constrained: bool = option(False, "Ask through the constrained keywords_summary / summary_qa formats (hf "
                                      "teachers): the tags and the 5 keywords or questions cannot break, the model "
                                      "writes every word (the paper's teacher answers freely).")
    seeds: list[int] = option([0, 1, 2], "Student seeds; trajectories show the median and min-max band over them.")
    epochs: float = option(1.0, "Passes over the training data (paper: one epoch).")
    batch_size: int = option(8, "Student batch size (paper: 8).")
    learning_rate: float = option(5e-5, "Student learning rate (full fine-tuning).")
    lora_learning_rate: float = option(2e-4, "Student learning rate with LoRA adapters.")
    lora_r: int = option(16, "LoRA rank (alpha = rank).")
    eval_every: int = option(40, "Checkpoint interval in optimiser steps; step 0 is always evaluated (paper: 40).")
    eval_articles: int = option(0, "Held-out articles scored at each checkpoint (0: all).")
    eval_questions: int = option(0, "Held-out questions scored at each checkpoint (0: all).")
    max_length: int = option(512, "Student token limit per training row (prompt + target).")
    summary_tokens: int = option(96, "Tokens a student may generate per summary.")

    def validate(self) -> None:
        """Known tasks, targets and sources; sizes and shares in range; LoRA students among the students."""
        super().validate()
        check_choices(self.tasks, TASKS, "task", "tasks")
        check_choices(self.targets, TARGETS, "target", "targets")
        check_choices(self.sources, SOURCES, "source", "sources")
        if not self.tasks or not self.targets or not self.students or not self.seeds or not self.sources:
            raise ConfigError("tasks, targets, students, seeds and sources must each name at least one value")
        if not 0.0 < self.eval_share < 1.0:
            raise ConfigError(f"eval_share must be between 0 and 1 (paper: 0.2), got {self.eval_share}")
        if self.articles < 2 or round(self.articles * self.eval_share) < 1 or \
                self.articles - round(self.articles * self.eval_share) < 1:
            raise ConfigError(f"articles ({self.articles}) x eval_share ({self.eval_share}) leaves an empty "
                              "train or eval split; raise articles")
        if min(self.keywords, self.questions, self.sentences, self.article_words, self.eval_every,
               self.batch_size, self.summary_tokens, self.teacher_tokens, self.lora_r) < 1:
            raise ConfigError("keywords, questions, sentences, article_words, eval_every, batch_size, "
                              "summary_tokens, teacher_tokens and lora_r must be >= 1")
        if self.epochs <= 0 or self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ConfigError("need epochs > 0, temperature >= 0 and 0 < top_p <= 1")
        if min(self.eval_articles, self.eval_questions) < 0:
            raise ConfigError("eval_articles and eval_questions must be >= 0 (0: all)")
        if self.constrained and (self.keywords, self.questions) != (5, 5):
            raise ConfigError(f"constrained formats hold 5 keywords and 5 questions, got keywords={self.keywords}, "
                              f"questions={self.questions}; set both to 5 or constrained=false")


@dataclass
class Result:
    """What the capability-transfer chapter shows."""

    trajectories: Any  # DataFrame: task, target, student, seed, step, epoch, score
    best: Any  # DataFrame: per task, target and student: step-0 and best median score
    paper: Any  # DataFrame: ours beside the paper's numbers
    parse: Any  # DataFrame: teacher answers, kept, parse rate, rejection reasons per task
    baselines: dict[str, float] = field(default_factory=dict)  # label prior, always-majority accuracy
    data: dict[str, Any] = field(default_factory=dict)  # task -> TaskData
    teacher: str = ""
    stand_in: bool = True


def run(config: CaptransferConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """Teacher data, students of every size and seed, trajectories on the teacher-made metrics."""
    from synthlib.methods.captransfer import method

    return method.run(config, run_dir, progress)


__all__ = ["PAPER", "QA_TARGETS", "SOURCES", "TARGETS", "TASKS", "CaptransferConfig", "Result", "run"]
