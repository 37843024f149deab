"""Fine-tune a student with the Hugging Face Trainer: loss by name, dynamic padding, length
grouping, bf16 on CUDA, seeds, and evaluation on a schedule of checkpoints (a trajectory).

The capability-transfer paper scores 21-31 checkpoints per run; ``eval_every`` (steps) or
``checkpoints`` (evenly spaced, step 0 included) reproduce that without saving weights to disk.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from transformers import Trainer, TrainerCallback, TrainingArguments

from synthlib.config import option
from synthlib.students.losses import IGNORE_INDEX, LOSSES, compute_loss

Evaluator = Callable[[Any], dict[str, float]]


@dataclass
class TrainSettings:
    """Hyperparameters of one fine-tuning run."""

    epochs: float = option(3.0, "Passes over the training data.")
    max_steps: int = option(-1, "Stop after this many optimiser steps (-1: use epochs).")
    learning_rate: float = option(5e-5, "Peak learning rate of AdamW.")
    batch_size: int = option(16, "Training examples per optimiser step.")
    eval_batch_size: int = option(64, "Examples per forward pass when predicting.")
    weight_decay: float = option(0.0, "AdamW weight decay.")
    warmup_ratio: float = option(0.0, "Share of steps with linear warm-up.")
    scheduler: str = option("linear", "Learning-rate schedule (any transformers SchedulerType).")
    loss: str = option("ce", "Loss by name: ce or sce (symmetric cross-entropy).")
    sce_lambda: float = option(1.0, "Weight of reverse cross-entropy in SCE (GOLD: 1.0).")
    sce_sigma: float = option(0.1, "Weight of cross-entropy in SCE (GOLD: 0.1).")
    max_length: int = option(128, "Truncate inputs to this many tokens.")
    max_target_length: int = option(64, "Truncate seq2seq targets to this many tokens.")
    dynamic_padding: bool = option(True, "Pad each batch to its longest row (False: pad every row to max_length).")
    group_by_length: bool = option(True, "Batch rows of similar length together to waste less padding.")
    eval_every: int = option(0, "Evaluate every N steps (0: use checkpoints).")
    checkpoints: int = option(0, "Evaluations spread evenly over training, step 0 included (0: only at the end).")
    bf16: bool = option(True, "Train in bf16 mixed precision when a CUDA device is present.")
    seed: int = option(0, "Seed for initialisation, shuffling and dropout.")

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss '{self.loss}'; use one of {', '.join(LOSSES)}")
        if self.batch_size < 1 or self.epochs <= 0 and self.max_steps <= 0:
            raise ValueError("batch_size must be >= 1 and one of epochs / max_steps positive")


@dataclass
class TrainResult:
    """What training produced: the trajectory, the final metrics and the cost."""

    trajectory: list[dict[str, float]] = field(default_factory=list)
    final: dict[str, float] = field(default_factory=dict)
    steps: int = 0
    examples_seen: int = 0
    train_seconds: float = 0.0

    @property
    def examples_per_second(self) -> float:
        """Training throughput (examples seen per second of training)."""
        return self.examples_seen / self.train_seconds if self.train_seconds else float("nan")


def train(student, dataset, settings: TrainSettings, inputs: Sequence[str] = ("text",), target: str = "label",
          evaluate: Evaluator | None = None) -> TrainResult:
    """Fine-tune ``student`` in place on ``dataset`` (columns ``inputs`` + ``target``)."""
    from synthlib.students.encoding import collator, encode

    encoded = encode(student, dataset, inputs, target, settings.max_length, settings.max_target_length,
                     pad_to_max=not settings.dynamic_padding)
    steps = _total_steps(len(encoded), settings)
    schedule = _schedule(steps, settings)
    result = TrainResult(steps=steps)
    trainer = _trainer(student, encoded, settings, collator(student))
    if evaluate is not None:
        trainer.add_callback(TrajectoryCallback(schedule, evaluate, student, result.trajectory))
        if 0 in schedule:
            student.model.eval()  # step 0 is scored like every other checkpoint: no dropout (Trainer resets it)
            result.trajectory.append({"step": 0, "epoch": 0.0, **evaluate(student)})
    started = time.perf_counter()
    trainer.train()
    result.train_seconds = time.perf_counter() - started
    result.examples_seen = trainer.state.global_step * settings.batch_size
    student.model.eval()
    if evaluate is not None:
        result.final = dict(result.trajectory[-1]) if result.trajectory and result.trajectory[-1]["step"] == steps \
            else {"step": steps, **evaluate(student)}
    return result


def _total_steps(rows: int, settings: TrainSettings) -> int:
    if settings.max_steps > 0:
        return settings.max_steps
    return max(1, math.ceil(math.ceil(rows / settings.batch_size) * settings.epochs))


def _schedule(steps: int, settings: TrainSettings) -> list[int]:
    if settings.eval_every > 0:
        return sorted({0, *range(settings.eval_every, steps + 1, settings.eval_every), steps})
    if settings.checkpoints > 1:
        return sorted({round(i * steps / (settings.checkpoints - 1)) for i in range(settings.checkpoints)})
    return [steps]


def _trainer(student, encoded, settings: TrainSettings, data_collator) -> LossTrainer:
    import torch

    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(prefix="synthlib-train-"), num_train_epochs=settings.epochs,
        max_steps=settings.max_steps, learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size, weight_decay=settings.weight_decay,
        warmup_steps=settings.warmup_ratio, lr_scheduler_type=settings.scheduler,  # a value < 1 is a ratio
        train_sampling_strategy="group_by_length" if settings.group_by_length else "random",
        bf16=settings.bf16 and torch.cuda.is_available(),
        seed=settings.seed, data_seed=settings.seed, save_strategy="no", eval_strategy="no", logging_steps=50,
        report_to=[], remove_unused_columns=False, dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available())
    return LossTrainer(model=student.model, args=args, train_dataset=encoded, data_collator=data_collator,
                       loss_name=settings.loss, lam=settings.sce_lambda, sigma=settings.sce_sigma, kind=student.kind)


class LossTrainer(Trainer):
    """Trainer whose loss is chosen by name (ce / sce) instead of the model's built-in loss."""

    def __init__(self, *args, loss_name: str, lam: float, sigma: float, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_name, self.lam, self.sigma, self.kind = loss_name, lam, sigma, kind

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        """Forward pass, then the named loss on the logits (causal LMs predict the next token)."""
        # seq2seq models need the labels to build decoder inputs; the others must not see them
        labels = inputs["labels"] if self.kind == "seq2seq" else inputs.pop("labels")
        if self.kind == "causal" and not return_outputs:
            # the model's forward carries accelerate's autocast (bf16 on CUDA); a direct call to its
            # decoder does not, so open it here
            with self.accelerator.autocast():
                logits, labels = labelled_logits(model, inputs, labels)
            return compute_loss(self.loss_name, logits, labels, self.lam, self.sigma)
        outputs = model(**inputs)
        logits = outputs.logits
        if self.kind == "causal":
            logits, labels = logits[:, :-1, :], labels[:, 1:]
        loss = compute_loss(self.loss_name, logits, labels, self.lam, self.sigma)
        return (loss, outputs) if return_outputs else loss


def labelled_logits(model, inputs, labels):
    """Next-token logits and labels at the positions that carry loss only (causal LMs).

    The language-model head of a large-vocabulary model (Gemma: 262k tokens, 168M of its 268M
    parameters) costs more than the rest of the network when applied at every position; here the
    decoder runs once for its final hidden states and the head only sees the rows whose shifted
    label is not ignored. Works on peft-wrapped models (the adapters sit inside the decoder).
    Returns ``(logits [N, vocab], labels [N])``, the same values the full forward gives there.
    """
    import torch

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = base.get_decoder()(**inputs).last_hidden_state[:, :-1, :]
    labels = labels[:, 1:]
    keep = labels != IGNORE_INDEX
    logits = base.get_output_embeddings()(hidden[keep])
    cap = getattr(base.config, "final_logit_softcapping", None)
    if cap:  # Gemma 2 style soft-capping, as the model's own forward applies it
        logits = torch.tanh(logits / cap) * cap
    return logits, labels[keep]


class TrajectoryCallback(TrainerCallback):
    """Evaluate the student at scheduled steps and append the metrics to the trajectory."""

    def __init__(self, schedule: list[int], evaluate: Evaluator, student, points: list[dict[str, float]]):
        self.schedule, self.evaluate, self.student, self.points = set(schedule), evaluate, student, points

    def on_step_end(self, args, state, control, **kwargs):
        """Record metrics when the step is on the schedule, then resume training mode."""
        if state.global_step in self.schedule:
            self.student.model.eval()
            self.points.append({"step": state.global_step, "epoch": float(state.epoch or 0.0),
                                **self.evaluate(self.student)})
            self.student.model.train()
        return control
