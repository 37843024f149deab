"""What the SoftSRV chapter and its ablations show: one function per cell, each a one-line call.

Every function copes with any valid config (a subset of methods or tasks): a number that needs a
method that was not run is glued as "n/a" rather than failing.
"""

from __future__ import annotations

from typing import Any

from synthlib.reports.chapter import glue_all, mean_gap, model_note, show, table


def setting_text(config: Any, run: Any) -> str:
    """One paragraph: profile, frozen LLM, teacher, PT generator, student, sizes and the run directory."""
    generator = config.pt_teacher or config.frozen_lm
    answers = "" if config.plain_answers else (" SoftSRV's questions reach the teacher through the task's answer "
                                                "template, as PT's do (not the paper's setting: it sends them as "
                                                "they are).")
    return (f"Profile **{config.profile}**. Frozen LLM **{config.frozen_lm}** ({model_note(config.frozen_lm)}); "
            f"answering teacher **{config.teacher}** ({model_note(config.teacher)}); PT / PT_SR generator "
            f"**{generator}**; student **{config.student}** ({model_note(config.student)}"
            f"{', LoRA' if config.lora else ', all weights'}). Soft prompt {config.variant.upper()} with "
            f"t = {config.soft_tokens}, {config.prompt_steps} steps at lr {config.prompt_lr:g}; "
            f"{config.train_rows or 'all'} target questions, {config.generate} generated and N_s = {config.samples} "
            f"kept per method and task; {config.test_rows or 'all'} test rows per task; tasks "
            f"{', '.join(config.tasks)}.{answers} Run directory `{run.path.name}`.")


def setting(config: Any, run: Any, result: Any) -> None:
    """The chapter's setting and the glued headline numbers."""
    show(setting_text(config, run))
    scores = result.scores
    by = scores.pivot_table(index="task", columns="method", values="score") if "score" in scores else scores
    glue_all(run, {"profile": config.profile, "frozen_lm": config.frozen_lm, "teacher": config.teacher,
                   "student": config.student,
                   "kind": "STAND-IN models" if result.stand_in else "real pretrained models",
                   "softsrv_minus_pt": mean_gap(by, "softsrv", "pt", "{:+.3f}"),
                   "softsrv_minus_train": mean_gap(by, "softsrv", "train", "{:+.3f}")})


def paper(result: Any) -> Any:
    """Ours beside the paper's Table 1."""
    return table(result.paper, {"ours": "{:.3f}", "paper (Gemma 2B)": "{:.3f}"})


def scores(result: Any) -> Any:
    """Every score with its training-set size and time."""
    return table(result.scores, precision=3)


def mauve(result: Any) -> Any:
    """MAUVE against test and train, beside the paper's Table 4."""
    return table(result.mauve, precision=3)


def filters(result: Any) -> Any:
    """What each filter removed, per task and method."""
    return table(result.filters)


def prompts(result: Any) -> Any:
    """The trained soft prompts: parameters and loss."""
    return table(result.prompts, precision=3)


def answers(result: Any) -> Any:
    """Answer parse rates and rejection reasons."""
    return table(result.answers, {"parse_rate": "{:.1%}"})


def examples(result: Any) -> Any:
    """A few kept questions per task and method."""
    return table(result.examples)


def ablation_setting(config: Any, run: Any) -> None:
    """An ablation's setting (the chapter's paragraph) and its profile glued."""
    show(setting_text(config, run))
    glue_all(run, {"profile": config.profile})
