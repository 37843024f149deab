"""The "Students" chapter: how a real small student learns from real data, and GOLD's energy premise.

1. Learning curve: the student (all-MiniLM-L6-v2 offline) fine-tuned on SST-2 training samples of
   growing size, scored on the SST-2 dev set, over one or more seeds.
2. Energy premise: the largest student's energy E(x) = -logsumexp(logits) on SST-2 dev (in
   distribution) against IMDb reviews, a Wikipedia slice and Wikinews (out of distribution), with
   the AUROC of telling them apart by energy (higher energy = flagged as out of distribution).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from synthlib.config import BaseConfig, ConfigError, option

OOD_SOURCES = {"imdb": ("imdb", "test"), "wikipedia": ("wikipedia", "train"), "wikinews": ("wikinews", "train")}


@dataclasses.dataclass
class StudentsReportConfig(BaseConfig):
    """Parameters of the Students chapter."""

    name = "students"

    student: str = option("minilm", "Classifier student: an alias, hub id or local path.", kind="model")
    train_sizes: list[int] = option([250, 500, 1000, 2000], "SST-2 training-sample sizes of the learning curve.")
    seeds: list[int] = option([0], "One fine-tuning run per seed and size (the spread is plotted).")
    epochs: float = option(3.0, "Epochs per run.")
    learning_rate: float = option(5e-5, "Peak AdamW learning rate.")
    batch_size: int = option(16, "Training batch size.")
    max_length: int = option(128, "Token limit per input (longer texts are truncated).")
    dev_rows: int = option(0, "SST-2 dev rows scored (0 = all 872).")
    ood_rows: int = option(500, "Rows drawn from each out-of-distribution source for the energy study.")

    def validate(self) -> None:
        """Sizes and counts must be positive."""
        super().validate()
        if not self.train_sizes or min(self.train_sizes) < 2:
            raise ConfigError(f"train_sizes must list sizes >= 2, got {self.train_sizes}")
        if not self.seeds or self.epochs <= 0 or self.ood_rows < 1 or self.dev_rows < 0:
            raise ConfigError("seeds must be non-empty, epochs > 0, ood_rows >= 1 and dev_rows >= 0")


@dataclasses.dataclass
class StudentsReport:
    """Tables behind the chapter's figures."""

    curve: Any  # DataFrame: size, seed, accuracy, macro_f1, train_seconds, examples_per_second
    energies: Any  # DataFrame: source, energy (one row per scored text)
    auroc: Any  # DataFrame: in_distribution, out_of_distribution, auroc, rows
    majority_share: float  # accuracy of always answering the dev set's majority class


def run(config: StudentsReportConfig, run: Any = None) -> StudentsReport:
    """Train the learning curve, then score energies with the largest student of the first seed."""
    import pandas as pd

    from synthlib.data import load_dataset

    train_pool = load_dataset("sst2", "train").shuffle(seed=config.seed)
    dev = load_dataset("sst2", "validation")
    if config.dev_rows:
        dev = dev.select(range(min(config.dev_rows, len(dev))))
    rows, energy_student = [], None
    for seed in config.seeds:
        for size in sorted(config.train_sizes):
            student, row = _fit_and_score(config, train_pool.select(range(size)), dev, seed)
            rows.append({"size": size, "seed": seed, **row})
            if seed == config.seeds[0] and size == max(config.train_sizes):
                energy_student = student
    if run is not None:
        run.add_model("student", energy_student.signature)
    energies = _energies(energy_student, dev, config)
    report = StudentsReport(curve=pd.DataFrame(rows), energies=energies, auroc=_auroc_table(energies),
                            majority_share=max(sum(dev["label"]), len(dev) - sum(dev["label"])) / len(dev))
    if run is not None:
        _save(report, run)
    return report


def _fit_and_score(config: StudentsReportConfig, sample, dev, seed: int):
    from synthlib.metrics.classification import accuracy, macro_f1
    from synthlib.students import TrainSettings, load_student, predict_classes, train

    student = load_student(config.student, "classifier", ("negative", "positive"), seed=seed)
    settings = TrainSettings(epochs=config.epochs, learning_rate=config.learning_rate, batch_size=config.batch_size,
                             max_length=config.max_length, warmup_ratio=0.1, seed=seed)
    result = train(student, sample, settings)
    predictions = predict_classes(student, dev, max_length=config.max_length).predictions
    return student, {"accuracy": accuracy(predictions, dev["label"]), "macro_f1": macro_f1(predictions, dev["label"]),
                     "train_seconds": result.train_seconds, "examples_per_second": result.examples_per_second}


def _energies(student, dev, config: StudentsReportConfig):
    import pandas as pd

    from synthlib.data import load_dataset
    from synthlib.metrics.energy import classifier_energy
    from synthlib.students import predict_classes

    frames = []
    sources = {"sst2 dev": dev}
    for name, (dataset, split) in OOD_SOURCES.items():
        pool = load_dataset(dataset, split).shuffle(seed=config.seed)
        sources[name] = pool.select(range(min(config.ood_rows, len(pool)))).select_columns(["text"])
    for name, data in sources.items():
        logits = predict_classes(student, data, max_length=config.max_length).logits
        frames.append(pd.DataFrame({"source": name, "energy": classifier_energy(logits).numpy()}))
    return pd.concat(frames, ignore_index=True)


def _auroc_table(energies):
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    inside = energies.loc[energies["source"] == "sst2 dev", "energy"]
    rows = []
    for name in OOD_SOURCES:
        outside = energies.loc[energies["source"] == name, "energy"]
        scores = list(inside) + list(outside)
        flags = [0] * len(inside) + [1] * len(outside)  # 1 = out of distribution; higher energy should flag it
        rows.append({"in_distribution": "sst2 dev", "out_of_distribution": name,
                     "auroc": float(roc_auc_score(flags, scores)), "rows": len(outside)})
    return pd.DataFrame(rows)


def _save(report: StudentsReport, run: Any) -> None:
    run.save_table(report.curve, "learning_curve")
    run.save_table(report.auroc, "energy_auroc")
    best = report.curve.groupby("size")["accuracy"].mean()
    run.save_results({"accuracy_by_size": {int(k): float(v) for k, v in best.items()},
                      "auroc": dict(zip(report.auroc["out_of_distribution"], report.auroc["auroc"])),
                      "majority_share": report.majority_share})
