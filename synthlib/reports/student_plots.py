"""Figures of the Students chapter; each returns a matplotlib Figure."""

from __future__ import annotations

from typing import Any


def plot_learning_curve(curve: Any, majority_share: float, label: str):
    """Dev accuracy against training size (log axis): mean over seeds with min-max band."""
    import matplotlib.pyplot as plt

    stats = curve.groupby("size")["accuracy"].agg(["mean", "min", "max"]).reset_index()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(stats["size"], stats["mean"], marker="o", color="#4C72B0", label=label)
    if curve["seed"].nunique() > 1:
        ax.fill_between(stats["size"], stats["min"], stats["max"], color="#4C72B0", alpha=0.2, label="min-max over seeds")
    ax.axhline(majority_share, color="grey", ls=":", label=f"majority class ({majority_share:.1%})")
    ax.set_xscale("log")
    ax.set_xticks(stats["size"], [f"{s:,}" for s in stats["size"]])
    ax.set_xlabel("SST-2 training examples")
    ax.set_ylabel("SST-2 dev accuracy")
    ax.set_title("Learning curve")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_energy_histogram(energies: Any):
    """Overlaid energy histograms per source (lower energy = more in distribution for the student)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(6.5, 4))
    sns.histplot(data=energies, x="energy", hue="source", stat="density", common_norm=False, element="step",
                 bins=40, ax=ax)
    ax.set_xlabel("energy  E(x) = -logsumexp(logits)")
    ax.set_title("Energy of the SST-2 student on in- and out-of-distribution text")
    fig.tight_layout()
    return fig
