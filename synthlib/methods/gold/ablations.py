"""GOLD's ablations, one function per notebook (``notebooks/gold__<name>.ipynb``).

* :func:`components`: vanilla generation / + feedback / + SCE / both, and the pre-trained student
  (paper Table 6);
* :func:`n_samples`: the number of generated samples (Table 8); one loop, students on its prefixes;
* :func:`thresholds`: the feedback band (Section 4.4; the paper fixes 50%-80%);
* :func:`sigma`: the weight of cross-entropy in SCE, lambda fixed at 1 (Table 9);
* :func:`diversity`: lexical diversity of every method's data and of real data (Table 11);
* :func:`distribution`: how GOLD's data with and without feedback spreads against real data (Figure 3).

Each returns an :class:`AblationResult`; the configs are :class:`GoldConfig` subclasses so that
every notebook has its own section in the profiles. Loops persist under ``work_dir`` and the
teacher's SQLite cache is shared, so a rerun (or a second ablation asking the same prompts) is cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synthlib.config import ConfigError, option
from synthlib.methods.gold import GENERATORS, PAPER, GoldConfig, check_band
from synthlib.methods.gold.loop import training_rows
from synthlib.methods.gold.method import frame, generate, open_teacher, prepare, train_and_score, work_dir

PAPER_TABLE6 = {"V0 pre-trained": {"mnli": 56.6, "qnli": 88.3, "rte": 68.5},
                "V1 KD": {"mnli": 55.4, "qnli": 90.6, "svamp": 20.0, "rte": 67.1},
                "V2 KD + FB": {"mnli": 59.5, "qnli": 91.4, "svamp": 23.3, "rte": 68.6},
                "V3 KD + SCE": {"mnli": 59.1, "qnli": 91.0, "svamp": 17.3, "rte": 63.1},
                "GOLD (KD + FB + SCE)": {"mnli": 62.5, "qnli": 91.7, "svamp": 25.3, "rte": 69.6}}
PAPER_TABLE8 = {0: {"mnli": 56.6, "svamp": 0.0, "qnli": 88.3, "rte": 68.5},
                1000: {"mnli": 60.0, "svamp": 17.3, "qnli": 91.5, "rte": 69.3},
                2000: {"mnli": 63.4, "svamp": 22.7, "qnli": 90.4, "rte": 69.3},
                3000: {"mnli": 62.5, "svamp": 25.3, "qnli": 91.7, "rte": 69.6},
                4000: {"mnli": 62.5, "svamp": 25.3, "qnli": 90.9, "rte": 68.9},
                5000: {"mnli": 62.9, "svamp": 28.3, "qnli": 89.4, "rte": 69.3}}
PAPER_TABLE9 = {0.01: 35.4, 0.1: 35.7, 1.0: 35.0}  # ANLI accuracy %, lambda = 1
PAPER_TABLE11 = {"zerogen": {"mnli": 1.5, "qnli": 3.7, "mrpc": 2.7, "squad": 1.3},
                 "progen": {"mnli": 1.5, "qnli": 3.7, "mrpc": 2.8, "squad": 1.9},
                 "p2model": {"mnli": 7.6, "qnli": 10.2, "mrpc": 7.0, "squad": 10.0},
                 "gold": {"mnli": 6.4, "qnli": 11.5, "mrpc": 6.6, "squad": 3.1}}
VARIANTS = tuple(PAPER_TABLE6)


@dataclass
class GoldComponentsConfig(GoldConfig):
    """Vanilla generation, + feedback, + SCE, both (Table 6)."""

    name = "gold__components"


@dataclass
class GoldSamplesConfig(GoldConfig):
    """Students on growing prefixes of one GOLD run (Table 8)."""

    name = "gold__n_samples"

    sample_counts: list[int] = option([0, 1000, 2000, 3000, 4000, 5000],
                                      "Synthetic sample counts compared (0: the pre-trained student).")

    def validate(self) -> None:
        """Counts are non-negative."""
        super().validate()
        if not self.sample_counts or min(self.sample_counts) < 0:
            raise ConfigError("sample_counts must be a non-empty list of counts >= 0")


@dataclass
class GoldThresholdsConfig(GoldConfig):
    """GOLD with different feedback bands."""

    name = "gold__thresholds"

    bands: list[list[float]] = option([[0.0, 0.3], [0.2, 0.5], [0.5, 0.8], [0.8, 1.0]],
                                      "Negative-energy percentile bands [low, high) compared (paper: [0.5, 0.8]).")

    def validate(self) -> None:
        """Every band is [low, high] inside [0, 1]."""
        super().validate()
        for band in self.bands:
            check_band(band, "every entry of bands")


@dataclass
class GoldSigmaConfig(GoldConfig):
    """GOLD with different sigma (weight of CE in SCE), lambda fixed (Table 9)."""

    name = "gold__sigma"

    sigmas: list[float] = option([0.01, 0.1, 1.0], "Values of sigma compared (paper: 0.01, 0.1, 1; lambda = 1).")

    def validate(self) -> None:
        """Sigmas are non-negative."""
        super().validate()
        if not self.sigmas or min(self.sigmas) < 0:
            raise ConfigError("sigmas must be a non-empty list of values >= 0")


@dataclass
class GoldDiversityConfig(GoldConfig):
    """Lexical diversity of every method's data (Table 11)."""

    name = "gold__diversity"


@dataclass
class GoldDistributionConfig(GoldConfig):
    """GOLD's data with and without feedback against real data (Figure 3)."""

    name = "gold__distribution"

    bins: int = option(30, "Histogram bins of the per-sample log-probability plot.")


@dataclass
class AblationResult:
    """Tables (and, for the distribution, per-sample values) of one ablation."""

    table: Any
    paper: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[str], None]


def _save(config: GoldConfig, run_dir: Any, data: Any, teacher: Any) -> None:
    """Every loop's training samples of one task, as datasets of the run (synthlib.runs.datasets)."""
    from synthlib.methods.gold.datasets import save_loops
    from synthlib.models import is_stand_in

    save_loops(config, run_dir, data, teacher.signature.to_dict(), is_stand_in(config.teacher))


def _setup(config: GoldConfig, run_dir: Any):
    teacher = open_teacher(config.teacher)
    if run_dir is not None:
        run_dir.add_model("teacher", teacher.signature.to_dict())
    return teacher, work_dir(config, run_dir)


def components(config: GoldComponentsConfig, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """V0 pre-trained, V1 vanilla + CE, V2 feedback + CE, V3 vanilla + SCE, GOLD feedback + SCE."""
    teacher, directory = _setup(config, run_dir)
    rows = []
    for task_name in config.tasks:
        data = prepare(task_name, config)
        vanilla = training_rows(generate(data, "gold", config, teacher, directory, progress, use_feedback=False))
        fb_ce = training_rows(generate(data, "gold", config, teacher, directory, progress, tag="gold-ce", loss="ce"))
        fb_sce = training_rows(generate(data, "gold", config, teacher, directory, progress, tag="gold-sce",
                                        loss="sce"))
        for variant, train, loss in [("V0 pre-trained", [], "-"), ("V1 KD", vanilla, "ce"), ("V2 KD + FB", fb_ce, "ce"),
                                     ("V3 KD + SCE", vanilla, "sce"), ("GOLD (KD + FB + SCE)", fb_sce, "sce")]:
            row = train_and_score(data, train, config, loss if loss != "-" else "ce", variant, progress)
            rows.append({**row, "loss": loss, "paper": PAPER_TABLE6[variant].get(task_name)})
        _save(config, run_dir, data, teacher)
    return _finish(frame(rows), run_dir, "components")


def n_samples(config: GoldSamplesConfig, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """One GOLD loop as long as the largest count; a fresh SCE student on each prefix."""
    teacher, directory = _setup(config, run_dir)
    rows = []
    longest = max(-(-count // config.per_iteration) for count in config.sample_counts)
    for task_name in config.tasks:
        data = prepare(task_name, config)
        loop = generate(data, "gold", config, teacher, directory, progress, iterations=max(1, longest))
        for count in sorted(config.sample_counts):
            train = training_rows(loop, -(-count // config.per_iteration)) if count else []
            row = train_and_score(data, train, config, config.loss, f"{count} samples", progress)
            rows.append({**row, "samples asked": count, "paper": PAPER_TABLE8.get(count, {}).get(task_name)})
        _save(config, run_dir, data, teacher)
    return _finish(frame(rows), run_dir, "n_samples")


def thresholds(config: GoldThresholdsConfig, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """A GOLD loop per feedback band, each scored with a fresh SCE student."""
    teacher, directory = _setup(config, run_dir)
    rows = []
    for task_name in config.tasks:
        data = prepare(task_name, config)
        for band in config.bands:
            tag = f"gold-band-{band[0]:g}-{band[1]:g}"
            loop = generate(data, "gold", config, teacher, directory, progress, tag=tag, band=band)
            feedback = sum(len(s["feedback_ids"]) for s in loop.rounds)
            row = train_and_score(data, training_rows(loop), config, config.loss, f"band {band[0]:.0%}-{band[1]:.0%}",
                                  progress)
            rows.append({**row, "band": f"[{band[0]:g}, {band[1]:g})", "feedback examples": feedback,
                         "paper setting": band == [0.5, 0.8]})
        _save(config, run_dir, data, teacher)
    return _finish(frame(rows), run_dir, "thresholds")


def sigma(config: GoldSigmaConfig, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """GOLD with each sigma in the loop's student and the final student (lambda fixed)."""
    teacher, directory = _setup(config, run_dir)
    rows = []
    for task_name in config.tasks:
        data = prepare(task_name, config)
        for value in config.sigmas:
            loop = generate(data, "gold", config, teacher, directory, progress, tag=f"gold-sigma-{value:g}",
                            loss="sce", sigma=value)
            row = train_and_score(data, training_rows(loop), config, "sce", f"sigma {value:g}", progress, sigma=value)
            rows.append({**row, "sigma": value, "lambda": config.sce_lambda,
                         "paper (ANLI)": PAPER_TABLE9.get(value) if task_name == "anli" else None})
        _save(config, run_dir, data, teacher)
    return _finish(frame(rows), run_dir, "sigma")


def diversity(config: GoldDiversityConfig, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """Unique words / all words (%) of each method's training data, and of as many real rows."""
    from synthlib.metrics.text import lexical_diversity

    teacher, directory = _setup(config, run_dir)
    rows = []
    for task_name in config.tasks:
        data = prepare(task_name, config)
        for method in [m for m in config.methods if m in GENERATORS]:
            train = training_rows(generate(data, method, config, teacher, directory, progress))
            rows.append(_diversity_row(task_name, method, train, data.task, lexical_diversity))
        size = max([r["samples"] for r in rows if r["task"] == task_name] or [len(data.pool)])
        rows.append(_diversity_row(task_name, "real data", data.pool[:size], data.task, lexical_diversity))
    return _finish(frame(rows), run_dir, "diversity")


def _diversity_row(task_name: str, method: str, rows: list[dict], task, lexical_diversity) -> dict:
    texts = [" ".join(str(r[c]) for c in task.columns if c != "label") for r in rows]
    return {"task": task_name, "method": method, "samples": len(rows),
            "words": sum(len(t.split()) for t in texts),
            "lexical diversity %": 100 * lexical_diversity(texts) if texts else None,
            "paper %": PAPER_TABLE11.get(method, {}).get(task_name)}


def distribution(config: GoldDistributionConfig, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """Per-sample mean word log-probability under real data's unigram model, for real (held-out half),
    GOLD with feedback and GOLD without; the distance of each synthetic distribution to the real one."""
    from scipy.stats import wasserstein_distance

    teacher, directory = _setup(config, run_dir)
    rows, values = [], {}
    for task_name in config.tasks:
        data = prepare(task_name, config)
        with_fb = training_rows(generate(data, "gold", config, teacher, directory, progress))
        without = training_rows(generate(data, "gold", config, teacher, directory, progress, use_feedback=False))
        half = len(data.pool) // 2
        model = _unigram(data.task, data.pool[:half])
        sets = {"real (held out)": data.pool[half:], "GOLD with feedback": with_fb, "GOLD without feedback": without}
        values[task_name] = {name: [_logprob(data.task, row, model) for row in items] for name, items in sets.items()}
        real = values[task_name]["real (held out)"]
        for name, scores in values[task_name].items():
            rows.append({"task": task_name, "data": name, "samples": len(scores),
                         "mean log-prob": _mean(scores), "share below real 10th percentile": _share_below(scores, real),
                         "Wasserstein to real": wasserstein_distance(scores, real) if scores and real else None})
    result = _finish(frame(rows), run_dir, "distribution")
    result.extra["values"] = values
    return result


def _words(task, row: dict) -> list[str]:
    import re

    return re.findall(r"[a-z0-9']+", " ".join(str(row[c]) for c in task.columns if c != "label").lower())


def _unigram(task, rows: list[dict]) -> dict[str, Any]:
    from collections import Counter

    counts = Counter(w for row in rows for w in _words(task, row))
    return {"counts": counts, "total": sum(counts.values()), "vocab": len(counts) + 1}


def _logprob(task, row: dict, model: dict[str, Any]) -> float:
    import math

    words = _words(task, row) or ["<empty>"]
    total, vocab = model["total"], model["vocab"]
    return sum(math.log((model["counts"][w] + 1) / (total + vocab)) for w in words) / len(words)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _share_below(values: list[float], real: list[float]) -> float | None:
    if not values or not real:
        return None
    cut = sorted(real)[len(real) // 10]
    return sum(v < cut for v in values) / len(values)


def _finish(table: Any, run_dir: Any, name: str) -> AblationResult:
    if run_dir is not None:
        run_dir.save_table(table, name)
        run_dir.save_results({name: table.to_dict(orient="records")})
    return AblationResult(table=table)


__all__ = ["PAPER", "AblationResult", "GoldComponentsConfig", "GoldDistributionConfig", "GoldDiversityConfig",
           "GoldSamplesConfig", "GoldSigmaConfig", "GoldThresholdsConfig", "components", "distribution", "diversity",
           "n_samples", "sigma", "thresholds"]
