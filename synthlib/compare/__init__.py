"""Head to head: methods x tasks x seeds x budgets, with one teacher, one student and equal budgets.

``CompareConfig.from_profile(profile, params)`` then ``run(config, run_dir)`` -> :class:`Result`,
whose ``table`` has one row per grid cell (method, task, seed, budget, score, teacher tokens,
teacher seconds, student seconds, kept samples, ...). The grid is resumable cell by cell: each
finished cell is written atomically, a killed grid restarts at the first unfinished cell, and the
teacher cache answers the restarted cell's calls (its tokens still count).

Submodules: ``budget`` (the :class:`Budget` and a cell's :class:`Spend`), ``meter`` (the teacher
wrapper that counts and stops), ``tasks`` (one definition of each task's rows), ``adapters`` (one
thin adapter per method, over the method's own functions), ``untuned`` (the zero of cost per point),
``scripted`` (one scripted stand-in teacher for every method), ``grid`` (planning, cells, resume),
``table`` (the tidy results table), ``analysis`` (spread, cost per point, significance, verdict),
``report`` (the chapter's display functions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthlib.config import BaseConfig, ConfigError, check_choices, option

TASK_CHOICES = ("imdb", "rte", "qnli", "adversarial_qa")
METHOD_CHOICES = ("s3", "gold", "zerogen", "craft", "softsrv")


@dataclass
class CompareConfig(BaseConfig):
    """Parameters of the head-to-head chapter. ``seed`` fixes the pool/test split; ``seeds`` are the grid's."""

    name = "compare"

    teacher: str = option("gemma-3-270m", "The one teacher of every cell: a packaged LLM alias, an HF id/path, "
                          "openai:<model>@<url>, or stand-in-scripted (rule-based, tests and smoke only).", kind="model")
    student: str = option("minilm", "The one classifier student (IMDb, RTE, QNLI) every method trains.", kind="model")
    qa_student: str = option("tiny-random-t5", "The one QA student (AdversarialQA): a seq2seq model both S3 and GOLD "
                             "can train.", kind="model")
    methods: list[str] = option(list(METHOD_CHOICES), f"Methods compared: any of {', '.join(METHOD_CHOICES)}.")
    tasks: list[str] = option(["rte"], f"Tasks: any of {', '.join(TASK_CHOICES)}.")
    skip: list[str] = option([], "method/task pairs left out on purpose (e.g. gold/imdb); any other unsupported "
                                 "pair is an error.")
    seeds: list[int] = option([0, 1, 2], "Seeds of the grid: teacher sampling and student initialisation per cell.")
    budgets: list[int] = option([20000, 40000], "Teacher-token budgets (prompt + completion) of the grid.")
    samples: int = option(0, "Kept training samples the final student may see (0: no cap).")
    student_steps: int = option(60, "Optimiser steps of every final student.")
    pool_rows: int = option(100, "Gold rows per task in the pool (S3's probe set, GOLD's real examples).")
    test_rows: int = option(200, "Gold test rows per task every student is scored on (0: all).")
    temperature: float = option(0.9, "Teacher sampling temperature (every method).")
    top_p: float = option(0.95, "Teacher nucleus-sampling mass (every method).")
    max_new_tokens: int = option(160, "Teacher token limit per answer (every method).")
    loop_epochs: float = option(1.0, "Epochs of the students inside the methods' loops (S3 rounds, GOLD updates).")
    learning_rate: float = option(5e-5, "Student learning rate.")
    batch_size: int = option(16, "Student batch size.")
    max_length: int = option(128, "Student token limit per input.")
    s3_seed_share: float = option(0.5, "S3: share of the teacher budget its seed synthesis may spend.")
    s3_max_rounds: int = option(4, "S3: error-extrapolation rounds at most.")
    s3_samples_per_error: int = option(1, "S3: teacher samples per misclassified probe row and round.")
    s3_k_rationales: int = option(6, "S3 on IMDb: rationales the teacher lists per label.")
    gold_per_iteration: int = option(8, "GOLD: training samples per iteration (paper: 8).")
    gold_val_per_iteration: int = option(8, "GOLD: OOD validation samples per iteration.")
    gold_max_iterations: int = option(200, "GOLD: iterations at most.")
    craft_fewshots: int = option(8, "CRAFT: pool rows whose premises query the corpus (the paper: 8 or 32 few-shots).")
    craft_documents: int = option(128, "CRAFT: documents retrieved per cell; the teacher's requests draw premises "
                                  "from them.")
    craft_premise_words: int = option(50, "CRAFT: a premise is a retrieved document's opening sentences up to this "
                                      "many words.")
    softsrv_frozen_lm: str = option("", "SoftSRV: the decoder its soft prompt is trained on and samples from ('' = the "
                                    "teacher, so the teacher writes every sample; a scripted teacher needs one named).")
    softsrv_variant: str = option("mc", "SoftSRV: soft-prompt parameterization, np, mp<k> or mc (the paper's best).")
    softsrv_tokens: int = option(8, "SoftSRV: soft tokens t (the paper: 128).")
    softsrv_steps: int = option(20, "SoftSRV: soft-prompt training steps on the pool's inputs (the paper: 20,000).")
    softsrv_batch_size: int = option(4, "SoftSRV: pool inputs per soft-prompt training step.")
    softsrv_lr: float = option(1e-3, "SoftSRV: soft-prompt Adam learning rate.")
    softsrv_sample_share: float = option(0.3, "SoftSRV: per round, the share of the budget left that buys samples; "
                                         "their labels come next (a labelling prompt, with one example per class, "
                                         "costs a few samples).")
    alpha: float = option(0.05, "Significance level of the test between the top two methods per task and budget.")
    grid_dir: str = option("shared", "Where cells are kept: 'shared' = a folder under the synthlib cache keyed by "
                           "every shared setting but the grid's axes (reruns and larger grids reuse finished cells; "
                           "a method's own s3_/gold_/craft_/softsrv_ settings rerun only its cells), "
                           "'' = the run directory, or a path.")
    cache: str = option("", "Teacher cache database ('' = $SYNTHLIB_CACHE_DIR/generations.sqlite).")

    def validate(self) -> None:
        """Known methods and tasks, no unsupported pair left in, sane budgets: all before any work."""
        super().validate()
        check_choices(self.methods, METHOD_CHOICES, "method", "methods")
        check_choices(self.tasks, TASK_CHOICES, "task", "tasks")
        _check_axes(self)
        _check_skip(self)
        _check_pairs(self)
        if not 0 < self.s3_seed_share < 1 or self.s3_max_rounds < 1 or self.s3_samples_per_error < 1 \
                or self.s3_k_rationales < 2:
            raise ConfigError("need 0 < s3_seed_share < 1, s3_max_rounds >= 1, s3_samples_per_error >= 1 and "
                              "s3_k_rationales >= 2")
        if min(self.gold_per_iteration, self.gold_val_per_iteration, self.gold_max_iterations) < 1:
            raise ConfigError("need gold_per_iteration, gold_val_per_iteration and gold_max_iterations >= 1")
        if min(self.craft_fewshots, self.craft_documents) < 1 or self.craft_premise_words < 8:
            raise ConfigError("need craft_fewshots >= 1, craft_documents >= 1 and craft_premise_words >= 8")
        if min(self.softsrv_tokens, self.softsrv_batch_size) < 1 or self.softsrv_steps < 0 or self.softsrv_lr <= 0 \
                or not 0 < self.softsrv_sample_share < 1:
            raise ConfigError("need softsrv_tokens >= 1, softsrv_batch_size >= 1, softsrv_steps >= 0, softsrv_lr > 0 and "
                              "0 < softsrv_sample_share < 1")
        from synthlib.softprompt.params import parse_variant

        parse_variant(self.softsrv_variant)
        if self.pool_rows < 3 or self.test_rows < 0 or not 0 < self.alpha < 1:
            raise ConfigError("need pool_rows >= 3 (GOLD shows 3 real examples), test_rows >= 0 and 0 < alpha < 1")

    def pairs(self) -> list[tuple[str, str]]:
        """The (method, task) pairs the grid runs: every combination except ``skip``."""
        skipped = {tuple(entry.split("/")) for entry in self.skip}
        return [(m, t) for t in self.tasks for m in self.methods if (m, t) not in skipped]


def _check_axes(config: CompareConfig) -> None:
    for name in ("methods", "tasks", "seeds", "budgets"):
        values = getattr(config, name)
        if not values:
            raise ConfigError(f"'{name}' is empty; give at least one value")
        if len(set(values)) != len(values):
            raise ConfigError(f"'{name}' repeats a value: {values}; list each once")
    if min(config.budgets) < 1 or config.samples < 0 or config.student_steps < 1:
        raise ConfigError(f"need budgets >= 1 teacher token, samples >= 0 and student_steps >= 1, got "
                          f"{config.budgets}, {config.samples} and {config.student_steps}")
    if config.temperature < 0 or not 0 < config.top_p <= 1 or config.max_new_tokens < 8:
        raise ConfigError("need temperature >= 0, 0 < top_p <= 1 and max_new_tokens >= 8")


def _check_skip(config: CompareConfig) -> None:
    for entry in config.skip:
        method, _, task = entry.partition("/")
        if method not in METHOD_CHOICES or task not in TASK_CHOICES:
            raise ConfigError(f"skip entry '{entry}' is not method/task with a known method "
                              f"({', '.join(METHOD_CHOICES)}) and task ({', '.join(TASK_CHOICES)}); write e.g. gold/imdb")


def _check_pairs(config: CompareConfig) -> None:
    from synthlib.compare.adapters import why_not

    problems = [f"{m}/{t}: {reason}" for m, t in config.pairs() if (reason := why_not(m, t, config))]
    if problems:
        raise ConfigError("the grid holds pairs that cannot run: " + "; ".join(problems) + ". Drop the method or "
                          "task, or list the pair under skip (e.g. skip: [" + problems[0].split(":")[0] + "]).")
    if not config.pairs():
        raise ConfigError("skip leaves no (method, task) pair to run; remove some entries from skip")


@dataclass
class Result:
    """What the comparison chapter shows."""

    table: Any  # DataFrame: one row per cell (see synthlib.compare.table.COLUMNS)
    grid_dir: str = ""
    teacher: str = ""
    stand_in: bool = True


def run(config: CompareConfig, run_dir: Any = None, progress: Callable[[str], None] = print,
        teacher: Any = None) -> Result:
    """Run (or resume) the grid and gather its cells into one table. ``teacher`` overrides the config's."""
    from synthlib.compare.grid import grid_directory, run_grid
    from synthlib.compare.table import results_table
    from synthlib.models import is_stand_in

    directory = grid_directory(config, run_dir)
    records = run_grid(config, directory, teacher=teacher, progress=progress)
    frame = results_table(records)
    result = Result(table=frame, grid_dir=str(directory), teacher=config.teacher,
                    stand_in=is_stand_in(config.teacher) or is_stand_in(config.student))
    if run_dir is not None:
        run_dir.save_table(frame, "cells")
        run_dir.save_results({"cells": len(frame), "grid_dir": str(directory), "stand_in": result.stand_in})
    return result


__all__ = ["METHOD_CHOICES", "TASK_CHOICES", "CompareConfig", "Result", "run"]
