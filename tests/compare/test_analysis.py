"""The report's statistics on hand-made tables: spread, cost per point, Welch's test, the verdict."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from synthlib.compare import analysis


def _frame(scores: dict[tuple[str, int], list[float]], untuned=(50.0, 50.0, 50.0), task="rte"):
    rows = [{"method": "untuned", "task": task, "seed": s, "budget": 0, "score": v, "teacher_tokens": 0,
             "teacher_seconds": 0.0, "student_seconds": 1.0, "kept_samples": 0} for s, v in enumerate(untuned)]
    for (method, budget), values in scores.items():
        rows += [{"method": method, "task": task, "seed": s, "budget": budget, "score": v,
                  "teacher_tokens": budget - 10 * s, "teacher_seconds": 2.0, "student_seconds": 3.0, "kept_samples": 20}
                 for s, v in enumerate(values)]
    return pd.DataFrame(rows)


def test_spread_is_the_mean_and_sample_std_over_seeds():
    frame = _frame({("s3", 100): [60.0, 62.0, 64.0], ("gold", 100): [55.0, 55.0, 58.0]})
    table = analysis.spread(frame).set_index("method")
    assert table.loc["s3", "score"] == 62.0 and table.loc["s3", "std"] == pytest.approx(2.0)
    assert table.loc["s3", "seeds"] == 3 and table.loc["s3", "teacher_tokens"] == 90.0


def test_cost_per_point_divides_tokens_by_the_gain_and_has_none_without_a_gain():
    frame = _frame({("s3", 100): [60.0, 60.0, 60.0], ("gold", 100): [49.0, 50.0, 51.0]})
    table = analysis.cost_per_point(frame).set_index("method")
    assert table.loc["s3", "gain"] == 10.0 and table.loc["s3", "tokens_per_point"] == pytest.approx(9.0)
    assert table.loc["gold", "gain"] == 0.0 and math.isnan(table.loc["gold", "tokens_per_point"])


def test_welch_matches_the_textbook_formula():
    a, b = [61.0, 63.5, 60.2, 64.1], [55.0, 58.5, 57.0]
    t, p = analysis.welch(a, b)
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    va = sum((x - ma) ** 2 for x in a) / (len(a) - 1)
    vb = sum((x - mb) ** 2 for x in b) / (len(b) - 1)
    assert t == pytest.approx((ma - mb) / math.sqrt(va / len(a) + vb / len(b)))
    assert 0 < p < 0.05


def test_welch_without_spread_or_seeds():
    assert all(math.isnan(v) for v in analysis.welch([1.0], [2.0, 3.0]))
    assert all(math.isnan(v) for v in analysis.welch([5.0, 5.0], [5.0, 5.0]))  # a tie with no spread: no evidence
    assert analysis.welch([6.0, 6.0], [5.0, 5.0])[1] == 0.0


def test_the_top_two_are_compared_and_a_clear_winner_is_named():
    frame = _frame({("s3", 100): [70.0, 71.0, 72.0], ("gold", 100): [55.0, 56.0, 57.0],
                    ("zerogen", 100): [50.0, 51.0, 52.0]})
    tests = analysis.significance(frame)
    assert list(tests[["first", "second"]].iloc[0]) == ["s3", "gold"] and bool(tests["significant"].iloc[0])
    sentence = analysis.verdict(tests)
    assert sentence.startswith("On rte: s3 over gold at 100 tokens (+15.0 points")


def test_ties_and_noise_give_none_at_this_scale():
    frame = _frame({("s3", 100): [60.0, 70.0, 50.0], ("gold", 100): [61.0, 49.0, 68.0]})
    tests = analysis.significance(frame)
    assert not tests["significant"].any()
    assert "none wins, at this scale" in analysis.verdict(tests)
    assert "none wins, at this scale" in analysis.verdict(analysis.significance(_frame({("s3", 100): [1.0]})))


def test_cells_that_trained_nothing_are_left_out_of_the_test():
    frame = _frame({("s3", 100): [60.0, 62.0, float("nan")], ("gold", 100): [float("nan")] * 3})
    assert analysis.significance(frame).empty
