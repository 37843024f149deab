"""SoftSRV's ablations, each a notebook: parameterization (NP / MPk / MC), soft tokens t, data
scaling (SoftSRV against PT as N_s grows), and MAUVE against the train and the test questions.

Each reuses the chapter's pieces (:mod:`.method`): trained prompts and every generation come from
the caches, so an ablation that shares a setting with the chapter trains and generates nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthlib.config import ConfigError, option
from synthlib.methods.softsrv import PAPER, SoftsrvConfig, method
from synthlib.methods.softsrv.tasks import load_task


@dataclass
class VariantsConfig(SoftsrvConfig):
    """NP vs MPk vs MC at the same t, steps and N_s (the paper's Table 1)."""

    name = "softsrv__variants"
    variants: list[str] = option(["np", "mp2", "mc"], "Parameterizations compared: np, mp<k>, mc.")

    def validate(self) -> None:
        """Every variant parses."""
        super().validate()
        from synthlib.softprompt.params import parse_variant

        for variant in self.variants:
            parse_variant(variant)


@dataclass
class TokensConfig(SoftsrvConfig):
    """The number of soft tokens t, for the chapter's variant."""

    name = "softsrv__tokens"
    token_counts: list[int] = option([2, 8, 32], "Soft-token counts t compared (paper: 128 only).")

    def validate(self) -> None:
        """Positive counts."""
        super().validate()
        if not self.token_counts or min(self.token_counts) < 1:
            raise ConfigError("token_counts needs at least one count, each >= 1")


@dataclass
class ScalingConfig(SoftsrvConfig):
    """SoftSRV and PT as the kept set grows (the paper's Figure 4: BoolQ, 20k -> 100k)."""

    name = "softsrv__scaling"
    sizes: list[int] = option([25, 50, 100], "N_s values; each must be <= generate.")

    def validate(self) -> None:
        """Sizes within 1..generate."""
        super().validate()
        if not self.sizes or min(self.sizes) < 1 or max(self.sizes) > self.generate:
            raise ConfigError(f"sizes must lie in 1..generate ({self.generate}); got {self.sizes}")


@dataclass
class MauveConfig(SoftsrvConfig):
    """MAUVE of every method's questions against test and train (Table 4, Appendix A.7); no students."""

    name = "softsrv__mauve"
    variants: list[str] = option(["mc"], "Soft-prompt parameterizations whose questions are scored.")


@dataclass
class AblationResult:
    """Scores (and MAUVE) of one ablation, with the task runs behind them."""

    scores: Any
    mauve: Any
    prompts: Any
    filters: Any
    data: dict[str, Any]


def run_variants(config: VariantsConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> AblationResult:
    """One student per variant and task; the paper's Table 1 beside ours."""
    def build(item, models):
        for variant in config.variants:
            method.softsrv_set(item, models, config, variant, config.soft_tokens, variant)
    result = _run(config, build, run_dir, progress)
    result.scores["paper (Gemma 2B)"] = [PAPER.get(m, {}).get(t) for t, m in zip(result.scores["task"],
                                                                                 result.scores["method"])]
    return _saved(result, run_dir)


def run_tokens(config: TokensConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> AblationResult:
    """One student per soft-token count and task."""
    def build(item, models):
        for tokens in config.token_counts:
            method.softsrv_set(item, models, config, config.variant, tokens, f"t={tokens}")
    result = _run(config, build, run_dir, progress)
    result.scores["soft tokens"] = [int(m.removeprefix("t=")) for m in result.scores["method"]]
    return _saved(result, run_dir)


def run_scaling(config: ScalingConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> AblationResult:
    """SoftSRV and PT diversified to each N_s in ``sizes`` (same generated pool), one student each."""
    from synthlib.methods.softsrv import synthesis

    def build(item, models):
        for size in config.sizes:
            method.softsrv_set(item, models, config, config.variant, config.soft_tokens, f"softsrv N_s={size}",
                               samples=size)
        raw, report = synthesis.pt_questions(item.data.name, models.generator, item.data.targets, config.generate,
                                             config.pt_temperature, config.pt_max_new_tokens, config.seed)
        item.reports["pt parse"] = report
        for size in config.sizes:
            method.filter_and_answer(item, f"pt N_s={size}", raw, models, config, template=True, samples=size)
    result = _run(config, build, run_dir, progress)
    result.scores["generator"] = [m.split(" ")[0] for m in result.scores["method"]]
    result.scores["N_s"] = [int(m.split("=")[1]) for m in result.scores["method"]]
    return _saved(result, run_dir)


def run_mauve(config: MauveConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> AblationResult:
    """Questions of every variant, PT, PT_SR and a train sample; MAUVE against test and train only."""
    def build(item, models):
        for variant in config.variants:
            method.softsrv_set(item, models, config, variant, config.soft_tokens, f"softsrv-{variant}")
        method.pt_sets(item, models, config, with_refinement=True)
        method.train_set(item, len(item.questions.get(f"softsrv-{config.variants[0]}", [])) or config.samples,
                         config.seed)
    return _saved(_run(config, build, run_dir, progress, students=False, mauve=True), run_dir)


def _run(config: SoftsrvConfig, build: Callable, run_dir: Any, progress: Callable[[str], None], students: bool = True,
         mauve: bool = False) -> AblationResult:
    models = method.load_models(config)
    if run_dir is not None:
        run_dir.add_model("frozen_lm", models.frozen.signature.to_dict())
        run_dir.add_model("teacher", models.answerer.signature.to_dict())
    runs, scores = {}, []
    for task in config.tasks:
        item = method.TaskRun(load_task(task, config.train_rows, config.test_rows, config.seed))
        runs[task] = item
        build(item, models)
        if students:
            scores += [method.train_and_score(item, label, config, progress) for label in item.pairs]
    return AblationResult(scores=method.frame(scores), mauve=method.mauve_table(runs, config) if mauve else method.frame([]),
                          prompts=method.prompt_table(runs), filters=method.filter_table(runs), data=runs)


def _saved(result: AblationResult, run_dir: Any) -> AblationResult:
    if run_dir is not None:
        for name in ("scores", "mauve", "prompts", "filters"):
            run_dir.save_table(getattr(result, name), name)
        run_dir.save_results({"scores": result.scores.to_dict(orient="records"),
                              "mauve": result.mauve.to_dict(orient="records")})
    return result
