"""What the grid's table says: score with spread per budget, cost per point, significance, a verdict.

* :func:`spread`: mean, standard deviation (over seeds) and mean spend per task, method and budget;
* :func:`cost_per_point`: teacher tokens per accuracy (or EM) point gained over the untuned student;
* :func:`significance`: per task and budget, the two best methods by mean score compared with
  **Welch's t-test** (two-sided, unequal variances) over their seeds;
* :func:`verdict`: one plain sentence per task, which says "none, at this scale" when no top
  method is significantly ahead at any budget.
"""

from __future__ import annotations

import math
from typing import Any

UNTUNED = "untuned"


def spread(frame: Any) -> Any:
    """Per task, method and budget: seeds, mean and std of the score, mean tokens and seconds."""
    import pandas as pd

    runs = frame[frame["method"] != UNTUNED]
    if runs.empty:
        return pd.DataFrame(columns=["task", "method", "budget", "seeds", "score", "std", "teacher_tokens"])
    grouped = runs.groupby(["task", "method", "budget"], sort=True)
    out = grouped.agg(seeds=("seed", "nunique"), scored=("score", "count"), score=("score", "mean"),
                      std=("score", "std"), teacher_tokens=("teacher_tokens", "mean"),
                      teacher_seconds=("teacher_seconds", "mean"), student_seconds=("student_seconds", "mean"),
                      kept_samples=("kept_samples", "mean")).reset_index()
    return out


def untuned_means(frame: Any) -> dict[str, float]:
    """The untuned student's mean score per task."""
    base = frame[frame["method"] == UNTUNED]
    return {task: float(group["score"].mean()) for task, group in base.groupby("task")}


def cost_per_point(frame: Any) -> Any:
    """Mean gain over the untuned student and teacher tokens per point gained (NaN when nothing was gained)."""
    table = spread(frame)
    base = untuned_means(frame)
    table["untuned"] = table["task"].map(base)
    table["gain"] = table["score"] - table["untuned"]
    table["tokens_per_point"] = [tokens / gain if gain == gain and gain > 0 else math.nan
                                 for tokens, gain in zip(table["teacher_tokens"], table["gain"], strict=True)]
    return table[["task", "method", "budget", "score", "untuned", "gain", "teacher_tokens", "tokens_per_point"]]


def welch(a: list[float], b: list[float]) -> tuple[float, float]:
    """Welch's two-sided t-test: (t, p); NaN when a side has fewer than two scores or both have no spread."""
    from scipy import stats

    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan
    if max(a) == min(a) and max(b) == min(b):
        return (math.nan, math.nan) if a[0] == b[0] else (math.copysign(math.inf, a[0] - b[0]), 0.0)
    result = stats.ttest_ind(a, b, equal_var=False)
    return float(result.statistic), float(result.pvalue)


def significance(frame: Any, alpha: float = 0.05) -> Any:
    """Per task and budget: the top two methods by mean score, their gap, Welch's t and p, and the outcome."""
    import pandas as pd

    rows = []
    runs = frame[(frame["method"] != UNTUNED) & frame["score"].notna()]
    for (task, budget), group in runs.groupby(["task", "budget"], sort=True):
        means = group.groupby("method")["score"].mean().sort_values(ascending=False, kind="stable")
        if len(means) < 2:
            continue
        first, second = means.index[0], means.index[1]
        a = group.loc[group["method"] == first, "score"].tolist()
        b = group.loc[group["method"] == second, "score"].tolist()
        t, p = welch(a, b)
        rows.append({"task": task, "budget": budget, "first": first, "second": second,
                     "gap": float(means.iloc[0] - means.iloc[1]), "seeds": f"{len(a)} / {len(b)}", "t": t, "p": p,
                     "significant": bool(p == p and p < alpha and means.iloc[0] > means.iloc[1])})
    return pd.DataFrame(rows, columns=["task", "budget", "first", "second", "gap", "seeds", "t", "p", "significant"])


def verdict(tests: Any, alpha: float = 0.05) -> str:
    """Who wins where, in plain words, from :func:`significance`'s table."""
    if tests.empty:
        return "No task had two methods with scores to compare: none wins, at this scale."
    sentences = []
    for task, group in tests.groupby("task", sort=True):
        wins = group[group["significant"]]
        if wins.empty:
            sentences.append(f"On {task}, no method is significantly ahead of the runner-up at any budget "
                             f"(Welch's t-test, alpha {alpha:g}): none wins, at this scale.")
            continue
        parts = [f"{row.first} over {row.second} at {row.budget:,} tokens (+{row.gap:.1f} points, p = {row.p:.3g})"
                 for row in wins.itertuples()]
        sentences.append(f"On {task}: " + "; ".join(parts) + ".")
    return " ".join(sentences)
