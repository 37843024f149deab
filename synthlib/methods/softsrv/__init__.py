"""SoftSRV, "Learn to Generate Targeted Synthetic Data" (seed 003; PAPERS.md section 5): soft prompts
trained on a frozen LLM write questions close to a task's distribution; an instruct teacher answers
them; a student learns from the pairs.

``SoftsrvConfig.from_profile(profile, params)`` then ``run(config, run_dir)`` -> :class:`Result`:
per task, SoftSRV (NP, MPk or MC) against PT, PT_SR, the original train data at the same size and
the untuned student, our numbers beside the paper's Tables 1 and 4, MAUVE against test and train.

Submodules: ``tasks`` (GSM8K, MBPP, BoolQ offline), ``synthesis`` (soft-prompt training and
generation, the PT / PT_SR baselines, filters, answers), ``students`` (fine-tuning and scoring),
``method`` (the comparison), ``ablations``, ``scripted`` (the scripted stand-in teacher).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synthlib.config import BaseConfig, ConfigError, check_choices, option

METHODS = ("softsrv", "pt", "pt_sr", "train", "untuned")
TASK_CHOICES = ("gsm8k", "mbpp", "boolq")

#: the paper's numbers (Gemma 2B student, Gemma backbone, 2k-step checkpoint): Table 1 and Table 4
PAPER = {
    "np": {"mbpp": 0.296, "gsm8k": 0.413, "boolq": 0.806},
    "mp2": {"mbpp": 0.312, "gsm8k": 0.401, "boolq": 0.825},
    "mc": {"mbpp": 0.372, "gsm8k": 0.463, "boolq": 0.831},
}
PAPER_MAUVE_TEST = {
    "pt": {"mbpp": 0.463, "gsm8k": 0.914, "boolq": 0.784},
    "pt_sr": {"mbpp": 0.397, "gsm8k": 0.865, "boolq": None},
    "mc": {"mbpp": 0.477, "gsm8k": 0.991, "boolq": 0.995},
    "train": {"mbpp": 0.963, "gsm8k": 0.998, "boolq": 0.999},
}


@dataclass
class SoftsrvConfig(BaseConfig):
    """Parameters of the SoftSRV chapter (and, through subclasses, of its ablations)."""

    name = "softsrv"

    frozen_lm: str = option("gemma-3-270m", "Frozen decoder LLM the soft prompts are trained on (also PT's generator).",
                            kind="model")
    teacher: str = option("qwen2.5-coder-0.5b-instruct", "Instruct teacher that answers the questions "
                                                         "(stand-in-scripted: rule-based, tests and smoke).", kind="model")
    pt_teacher: str = option("", "Generator of PT / PT_SR questions; '' = the frozen LLM, as in the paper.")
    student: str = option("qwen2.5-coder-0.5b-instruct", "Causal student fine-tuned on (question, answer).",
                          kind="model")
    lora: bool = option(True, "Fine-tune the student through LoRA adapters (r 16) instead of all weights.")
    tasks: list[str] = option(list(TASK_CHOICES), f"Tasks: any of {', '.join(TASK_CHOICES)}.")
    methods: list[str] = option(list(METHODS), f"Methods compared: any of {', '.join(METHODS)}.")
    variant: str = option("mc", "Soft-prompt parameterization of the softsrv method: np, mp<k> (e.g. mp2) or mc.")
    soft_tokens: int = option(8, "Soft tokens t (paper: 128).")
    mlp_hidden: int = option(128, "MC: hidden units per MLP (paper: 128).")
    mlp_layers: int = option(3, "MC: linear layers per MLP (paper: 3).")
    prompt_steps: int = option(200, "Soft-prompt training steps (paper: 20,000).")
    prompt_batch_size: int = option(8, "Soft-prompt training batch size.")
    prompt_lr: float = option(1e-3, "Soft-prompt Adam learning rate (paper: 5e-6 over 20k steps).")
    max_target_tokens: int = option(128, "Tokens of each target question the prompt learns (longer ones are cut).")
    train_rows: int = option(300, "Target (train) questions per task (0: all; paper: all, 384 MBPP to 9,427 BoolQ).")
    test_rows: int = option(100, "Test rows scored per task (0: all).")
    generate: int = option(300, "Questions generated per method before filtering (paper: 100,000).")
    samples: int = option(100, "N_s: questions kept after diversification (paper: 50,000; BoolQ 20,000).")
    clusters: int = option(0, "k-means clusters of the diversification (0: N_s, one per kept question; paper: 700).")
    svd_dims: int = option(100, "SVD dimensions of the diversification (paper: 100).")
    max_new_tokens: int = option(96, "Token limit of a generated question (BoolQ: passage and question).")
    pt_temperature: float = option(2.0, "PT / PT_SR sampling temperature (paper: 2).")
    pt_max_new_tokens: int = option(400, "Token limit of one PT call (ten questions).")
    sr_rounds: int = option(1, "PT_SR critique-and-rewrite rounds.")
    answer_max_new_tokens: int = option(256, "Token limit of a teacher answer.")
    plain_answers: bool = option(True, "SoftSRV's questions reach the teacher as they are (the paper); false: through "
                                       "the task's answer template, as PT's do (a small teacher answers a bare BoolQ "
                                       "passage and question with prose, not True/False).")
    mauve: bool = option(True, "MAUVE of each method's questions against the test and the train questions.")
    mauve_seeds: int = option(3, "k-means seeds MAUVE is averaged over.")
    epochs: float = option(1.0, "Student epochs.")
    learning_rate: float = option(1e-4, "Student peak learning rate (warm-up 10%, cosine decay).")
    batch_size: int = option(8, "Student batch size (paper: 16).")
    max_length: int = option(384, "Student token limit per (question, answer).")
    student_max_new_tokens: int = option(192, "Token limit of a student answer at test time.")

    def validate(self) -> None:
        """Known tasks, methods and variant; sizes that fit together."""
        super().validate()
        from synthlib.softprompt.params import parse_variant

        check_choices(self.tasks, TASK_CHOICES, "task", "tasks")
        check_choices(self.methods, METHODS, "method", "methods")
        parse_variant(self.variant)
        if self.pt_teacher:
            from synthlib.models import check_model_name

            check_model_name(self.pt_teacher, "pt_teacher")
        if min(self.soft_tokens, self.samples, self.generate, self.prompt_batch_size, self.max_new_tokens, self.mauve_seeds) < 1 \
                or self.prompt_steps < 0 or self.sr_rounds < 0:
            raise ConfigError("need soft_tokens, samples, generate, prompt_batch_size, max_new_tokens, mauve_seeds >= 1 and "
                              "prompt_steps, sr_rounds >= 0")
        if self.samples > self.generate:
            raise ConfigError(f"samples (N_s = {self.samples}) cannot exceed generate ({self.generate}): "
                              "raise generate or lower samples")


@dataclass
class Result:
    """What the SoftSRV chapter shows."""

    scores: Any  # DataFrame: task, method, metric, score, train_rows, ...
    paper: Any  # DataFrame: ours beside the paper's Table 1
    mauve: Any  # DataFrame: task, method, MAUVE vs test / vs train (+ the paper's Table 4)
    filters: Any  # DataFrame: per task and method, what each filter dropped
    prompts: Any  # DataFrame: per task, the trained soft prompt (parameters, first/last loss)
    answers: Any  # DataFrame: per task and method, answer parse rate and rejection reasons
    examples: Any  # DataFrame: a few questions per task and method
    data: dict[str, Any] = field(default_factory=dict)  # task -> TaskRun
    stand_in: bool = True


def run(config: SoftsrvConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """SoftSRV and its baselines on every task."""
    from synthlib.methods.softsrv import method

    return method.run(config, run_dir, progress)


__all__ = ["METHODS", "PAPER", "PAPER_MAUVE_TEST", "Result", "SoftsrvConfig", "TASK_CHOICES", "run"]
