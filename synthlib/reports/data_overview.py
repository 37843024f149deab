"""The "Data" chapter: sizes, label priors and length distributions of every catalogued dataset.

``run(config, run)`` loads every split of every dataset (every subset too), counts rows, label
shares and the word length of each sample's main text, and returns tidy pandas tables. Counts use
all rows; length statistics use at most ``length_sample`` rows per split (seeded) to bound time.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from synthlib.config import BaseConfig, ConfigError, option
from synthlib.data.catalog import DATASETS


@dataclasses.dataclass
class DataOverviewConfig(BaseConfig):
    """Parameters of the Data chapter."""

    name = "data"

    datasets: list[str] = option(list(DATASETS), "Datasets to survey (catalog names; subsets are all included).",
                                 kind="dataset")
    length_sample: int = option(2000, "Rows per split whose word lengths are measured (all rows are counted).")
    max_subsets: int = option(0, "Cap on subsets surveyed per dataset, e.g. MMLU subjects (0 = all).")

    def validate(self) -> None:
        """Range checks on top of the base checks."""
        super().validate()
        if self.length_sample < 1:
            raise ConfigError(f"length_sample must be >= 1, got {self.length_sample}; e.g. -p length_sample=500")
        if self.max_subsets < 0:
            raise ConfigError(f"max_subsets must be >= 0, got {self.max_subsets}; use 0 for all subsets")


@dataclasses.dataclass
class DataOverview:
    """Result of the survey: one row per (dataset, subset, split) plus per-label and per-sample tables."""

    splits: Any  # pandas DataFrame: dataset, subset, split, task, rows, median_words, p95_words, majority_share
    labels: Any  # pandas DataFrame: dataset, split, label, share (subsets pooled)
    lengths: Any  # pandas DataFrame: dataset, split, words (one row per measured sample)


def run(config: DataOverviewConfig, run: Any = None) -> DataOverview:
    """Survey the datasets named in ``config``; save tables into ``run`` when given."""
    import pandas as pd
    from tqdm.auto import tqdm

    jobs = [(spec, subset, split) for spec in (DATASETS[name.split("/")[0]] for name in config.datasets)
            for subset in _subsets(spec, config.max_subsets) for split in spec.splits if spec.has(split, subset)]
    split_rows, label_rows, length_rows = [], [], []
    for spec, subset, split in tqdm(jobs, desc="datasets", unit="split"):
        dataset = _load(spec.name, split, subset)
        words = _word_lengths(dataset, config.length_sample, config.seed)
        split_rows.append(_split_summary(spec, subset, split, dataset, words))
        label_rows.extend(_label_counts(spec, split, dataset))
        length_rows.extend({"dataset": spec.name, "split": split, "words": w} for w in words)
    splits = pd.DataFrame(split_rows)
    labels = _pool_labels(pd.DataFrame(label_rows))
    lengths = pd.DataFrame(length_rows)
    if run is not None:
        run.save_table(splits, "splits")
        run.save_table(labels, "label_shares")
        run.save_results({"datasets": int(splits["dataset"].nunique()), "splits": len(splits),
                          "rows": int(splits["rows"].sum())})
    return DataOverview(splits=splits, labels=labels, lengths=lengths)


def _subsets(spec, cap: int) -> list[str | None]:
    if not spec.subsets:
        return [None]
    return list(spec.subsets[:cap] if cap else spec.subsets)


def _load(name: str, split: str, subset: str | None):
    from synthlib.data import load_dataset

    return load_dataset(name, split, subset=subset)


def _word_lengths(dataset, sample: int, seed: int) -> list[int]:
    from synthlib.data.catalog import text_columns

    columns = text_columns(dataset.column_names)
    if len(dataset) > sample:
        dataset = dataset.shuffle(seed=seed).select(range(sample))
    texts = zip(*(dataset[c] for c in columns))
    return [sum(len(part.split()) for part in parts) for parts in texts]


def _split_summary(spec, subset, split, dataset, words) -> dict[str, Any]:
    import numpy as np

    majority = None
    if "label" in dataset.column_names and len(dataset):
        majority = float(np.bincount(np.asarray(dataset["label"])).max() / len(dataset))
    return {"dataset": spec.name, "subset": subset or "", "split": split, "task": spec.task, "rows": len(dataset),
            "median_words": float(np.median(words)) if words else None,
            "p95_words": float(np.percentile(words, 95)) if words else None, "majority_share": majority}


def _label_counts(spec, split, dataset) -> list[dict[str, Any]]:
    if "label" not in dataset.column_names or not spec.label_names:
        return []
    from collections import Counter

    counts = Counter(dataset["label"])
    names = dataset.features["label"].names
    return [{"dataset": spec.name, "split": split, "label": names[i], "count": counts.get(i, 0)}
            for i in range(len(names))]


def _pool_labels(frame):
    if frame.empty:
        return frame.assign(share=[])
    pooled = frame.groupby(["dataset", "split", "label"], as_index=False, sort=False)["count"].sum()
    pooled["share"] = pooled["count"] / pooled.groupby(["dataset", "split"])["count"].transform("sum")
    return pooled


def summary_table(overview: DataOverview):
    """One row per (dataset, split) with subsets pooled: rows, subsets, median words, majority share."""
    frame = overview.splits.copy()
    frame["weighted_majority"] = frame["majority_share"] * frame["rows"]
    pooled = frame.groupby(["dataset", "split"], sort=False).agg(
        task=("task", "first"), subsets=("subset", lambda s: int((s != "").sum())), rows=("rows", "sum"),
        median_words=("median_words", "median"), weighted_majority=("weighted_majority", "sum"))
    pooled["majority_share"] = (pooled.pop("weighted_majority") / pooled["rows"]).where(
        frame.groupby(["dataset", "split"], sort=False)["majority_share"].count() > 0)
    return pooled.reset_index()
