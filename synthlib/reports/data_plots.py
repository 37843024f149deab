"""Figures of the Data chapter; each function returns a matplotlib Figure and shows nothing itself."""

from __future__ import annotations

from typing import Any


def plot_sizes(summary: Any):
    """Horizontal bars of rows per (dataset, split) on a log axis."""
    import matplotlib.pyplot as plt

    labels = [f"{d} / {s}" for d, s in zip(summary["dataset"], summary["split"])]
    fig, ax = plt.subplots(figsize=(8, 0.22 * len(labels) + 1.2))
    ax.barh(labels, summary["rows"], color="#4C72B0")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("rows (log scale)")
    ax.set_title("Dataset sizes in the local mirror")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_label_shares(labels: Any):
    """Stacked horizontal bars: share of each label per labelled (dataset, split)."""
    import matplotlib.pyplot as plt

    groups = list(dict.fromkeys(zip(labels["dataset"], labels["split"])))
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(groups) + 1.4))
    palette = plt.get_cmap("tab10")
    for row, (dataset, split) in enumerate(groups):
        part = labels[(labels["dataset"] == dataset) & (labels["split"] == split)]
        left = 0.0
        for k, (name, share) in enumerate(zip(part["label"], part["share"])):
            ax.barh(row, share, left=left, color=palette(k % 10), edgecolor="white")
            if share > 0.12:
                ax.text(left + share / 2, row, f"{name} {share:.0%}", ha="center", va="center", fontsize=7,
                        color="white")
            left += share
    ax.set_yticks(range(len(groups)), [f"{d} / {s}" for d, s in groups])
    ax.invert_yaxis()
    ax.axvline(0.5, color="black", lw=0.6, ls=":")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of rows")
    ax.set_title("Label priors (a majority-class guess scores the largest share)")
    fig.tight_layout()
    return fig


def plot_lengths(lengths: Any):
    """Box plots of words per sample (main input text) per dataset, log axis."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    order = list(dict.fromkeys(lengths["dataset"]))
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(order) + 1.2))
    sns.boxplot(data=lengths, y="dataset", x="words", order=order, ax=ax, fliersize=1, color="#55A868",
                log_scale=True)
    ax.set_xlabel("words per sample (log scale)")
    ax.set_ylabel("")
    ax.set_title("Length of each sample's main input text")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
