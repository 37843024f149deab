"""GOLD, "Generalized knowledge distillation via OOD-guided feedback" (Gholami et al., NAACL 2024):
push the teacher towards the tails that synthetic data loses, using the student's energy on a
teacher-written out-of-distribution batch as feedback.

``GoldConfig.from_profile(profile, params)`` then ``run(config, run_dir)`` -> :class:`Result`: our
numbers for GOLD and its baselines (ZeroGen, Prompt2Model-style, ProGen-lite, the pre-trained and
the gold-fine-tuned student, the teacher's own few-shot answers) beside the paper's Tables 2-3.
The teacher is one parameter: ``stand-in-scripted`` (rule-based, tests and smoke), a packaged LLM alias,
an HF hub id or path, or ``openai:<model>@<base-url>``.

Submodules: ``tasks`` (the ten-task suite offline), ``formats`` (teacher output formats),
``synthesis`` (requests + parsing), ``selection`` (energy band), ``students``, ``loop`` (the
iterative generation, also producing the baselines' data), ``method`` (the comparison),
``ablations``, ``scripted`` (the scripted teacher).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synthlib.config import BaseConfig, ConfigError, check_choices, option

#: methods compared in the main chapter; the first four generate data
GENERATORS = ("gold", "zerogen", "progen", "p2model")
METHODS = (*GENERATORS, "pretrained", "finetuned", "fewshot")
TASK_CHOICES = ("rte", "qnli", "mrpc", "wnli", "anli", "squad", "adversarial_qa", "svamp", "nl4opt")

#: the paper's published numbers (T5-base student, LLaMA2-7B teacher, 3k samples). Classification and
#: SVAMP: accuracy %; SQuAD, AdversarialQA: exact match %; NL4OPT: ROUGE-L %. MNLI is in the paper only.
PAPER = {
    "finetuned": {"anli": 43.1, "mnli": 86.6, "qnli": 93.7, "wnli": 78.8, "rte": 80.1, "mrpc": 87.5,
                  "squad": 77.3, "adversarial_qa": 38.5, "svamp": 53.7, "nl4opt": 89.2},
    "pretrained": {"anli": 29.0, "mnli": 56.6, "qnli": 88.3, "wnli": 52.1, "rte": 68.5, "mrpc": 75.0,
                   "squad": 74.7, "adversarial_qa": 25.3},
    "fewshot": {"anli": 36.0, "mnli": 41.5, "qnli": 55.3, "wnli": 53.5, "rte": 62.4, "mrpc": 65.4,
                "squad": 15.2, "adversarial_qa": 14.6, "svamp": 27.3, "nl4opt": 54.4},
    "p2model": {"anli": 34.4, "mnli": 59.5, "qnli": 62.2, "wnli": 56.3, "rte": 58.8, "mrpc": 75.0,
                "squad": 74.4, "adversarial_qa": 25.0, "svamp": 26.0, "nl4opt": 71.5},
    "zerogen": {"anli": 34.6, "mnli": 56.1, "qnli": 88.5, "wnli": 54.9, "rte": 62.1, "mrpc": 84.3,
                "squad": 69.4, "adversarial_qa": 21.3, "svamp": 20.0, "nl4opt": 67.9},
    "progen": {"anli": 34.3, "mnli": 55.1, "qnli": 85.9, "wnli": 57.7, "rte": 66.0, "mrpc": 80.3,
               "squad": 68.1, "adversarial_qa": 20.5, "svamp": 23.7, "nl4opt": 68.5},
    "gold": {"anli": 35.7, "mnli": 62.5, "qnli": 91.7, "wnli": 57.7, "rte": 69.6, "mrpc": 85.0,
             "squad": 75.2, "adversarial_qa": 25.5, "svamp": 25.3, "nl4opt": 72.8},
}
#: classification averages of Table 2 (six tasks, MNLI included)
PAPER_CLASSIFICATION_AVERAGE = {"finetuned": 78.3, "pretrained": 61.6, "fewshot": 52.3, "p2model": 57.7,
                                "zerogen": 63.4, "progen": 63.2, "gold": 67.1}


@dataclass
class GoldConfig(BaseConfig):
    """Parameters of the GOLD chapter (and, through subclasses, of its ablations)."""

    name = "gold"

    teacher: str = option("gemma-3-270m", "Teacher: a packaged LLM alias, an HF id/path, openai:<model>@<url>, or "
                          "stand-in-scripted (rule-based, tests and smoke only).",
                          kind="model")
    student: str = option("minilm", "Classifier student for the classification tasks (unless text_to_text).",
                          kind="model")
    seq2seq_student: str = option("tiny-random-t5", "Text-to-text student for SQuAD, AdvQA, SVAMP, NL4OPT: a T5-style "
                                  "seq2seq model, or a packaged causal LLM (e.g. gemma-3-270m).",
                                  kind="model")
    text_to_text: bool = option(False, "Use the seq2seq student for every task, classification too (the paper's T5).")
    tasks: list[str] = option(["rte", "svamp"], f"Tasks: any of {', '.join(TASK_CHOICES)}.")
    methods: list[str] = option(list(METHODS), f"Methods compared: any of {', '.join(METHODS)}.")
    samples: int = option(3000, "Synthetic training samples per method and task (paper: 3000).")
    per_iteration: int = option(8, "Training samples the teacher writes per iteration (paper: 8).")
    val_per_iteration: int = option(8, "OOD validation samples per iteration.")
    real_examples: int = option(3, "Real examples in every prompt (paper: 3).")
    max_feedback: int = option(3, "Feedback examples appended to the next prompt at most (paper: 2-3).")
    band: list[float] = option([0.5, 0.8], "Negative-energy percentile band [low, high) of the feedback (paper: 50-80%).")
    loss: str = option("sce", "GOLD's student loss: sce (symmetric cross-entropy) or ce.")
    sce_lambda: float = option(1.0, "Weight of reverse cross-entropy in SCE (paper: 1.0).")
    sce_sigma: float = option(0.1, "Weight of cross-entropy in SCE (paper: 0.1).")
    temperature: float = option(1.0, "Teacher sampling temperature (paper: 1).")
    top_p: float = option(1.0, "Teacher nucleus-sampling mass.")
    max_new_tokens: int = option(200, "Teacher token limit per answer.")
    p2model_temperature: float = option(1.5, "Prompt2Model-style baseline: its higher temperature.")
    p2model_mix: int = option(2, "Prompt2Model-style baseline: earlier generations mixed into each prompt.")
    pool_rows: int = option(500, "Real rows per task the prompts' examples (and the fine-tuned student) come from (0: all).")
    test_rows: int = option(500, "Test rows scored per task (0: all available).")
    finetune_rows: int = option(0, "Real rows the fine-tuned (upper-bound) student trains on (0: the whole pool).")
    fewshot_rows: int = option(200, "Test rows the teacher answers itself (few-shot baseline; 0: all test rows).")
    loop_epochs: float = option(1.0, "Epochs of each in-loop student update on one training batch.")
    epochs: float = option(3.0, "Epochs of each final student on its method's whole data set.")
    learning_rate: float = option(5e-5, "Student learning rate.")
    batch_size: int = option(16, "Student batch size.")
    max_length: int = option(128, "Student token limit per input.")
    work_dir: str = option("", "Folder for loop state: a rerun with the same folder resumes (default: the run dir).")

    def validate(self) -> None:
        """Known tasks and methods, a band inside [0, 1], positive sizes, a known loss."""
        super().validate()
        check_choices(self.tasks, TASK_CHOICES, "task", "tasks")
        check_choices(self.methods, METHODS, "method", "methods")
        check_band(self.band, "band")
        if self.loss not in ("ce", "sce"):
            raise ConfigError(f"unknown loss '{self.loss}'; use sce or ce")
        if min(self.samples, self.per_iteration, self.val_per_iteration, self.real_examples) < 1 or self.max_feedback < 0:
            raise ConfigError("need samples, per_iteration, val_per_iteration, real_examples >= 1 and max_feedback >= 0")
        if self.epochs <= 0 or self.loop_epochs <= 0 or self.sce_sigma < 0 or self.sce_lambda < 0:
            raise ConfigError("need epochs, loop_epochs > 0 and sce_lambda, sce_sigma >= 0")
        if self.pool_rows and self.pool_rows < self.real_examples:
            raise ConfigError(f"pool_rows ({self.pool_rows}) must be 0 or at least real_examples ({self.real_examples})")

    @property
    def iterations(self) -> int:
        """Iterations needed for ``samples`` training samples (the paper: 3000 / 8 = 375)."""
        return -(-self.samples // self.per_iteration)


def check_band(band: list[float], key: str) -> None:
    """A ConfigError unless ``band`` is [low, high] with 0 <= low < high <= 1."""
    if len(band) != 2 or not 0.0 <= band[0] < band[1] <= 1.0:
        raise ConfigError(f"{key} must be [low, high] with 0 <= low < high <= 1 (percentiles of the negative "
                          f"energy), got {band}")


@dataclass
class Result:
    """What the GOLD chapter shows."""

    scores: Any  # DataFrame: task, method, metric, score, train_rows, ...
    paper: Any  # DataFrame: ours beside the paper's Tables 2 and 3
    iterations: Any  # DataFrame: per task, strategy and iteration
    parse: Any  # DataFrame: parse rate and rejection reasons per task and step
    data: dict[str, Any] = field(default_factory=dict)  # task -> TaskRun
    teacher: str = ""
    stand_in: bool = True


def run(config: GoldConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """GOLD and its baselines on every task."""
    from synthlib.methods.gold import method

    return method.run(config, run_dir, progress)


__all__ = ["GENERATORS", "METHODS", "PAPER", "GoldConfig", "Result", "check_band", "run"]
