import math

import pytest
import torch

from synthlib.metrics.energy import classifier_energy, sequence_energy
from synthlib.metrics.judge import parse_verdict, win_rate


def test_classifier_energy_is_minus_logsumexp():
    logits = torch.tensor([[0.0, 0.0], [2.0, -1.0]])
    expected = [-math.log(2.0), -math.log(math.exp(2.0) + math.exp(-1.0))]
    assert classifier_energy(logits).tolist() == pytest.approx(expected)


def test_sequence_energy_averages_generated_steps_only():
    # two steps over a 2-word vocabulary; the second step of row 1 is padding
    logits = torch.tensor([[[0.0, 0.0], [1.0, 1.0]], [[0.0, math.log(3.0)], [5.0, 5.0]]])
    mask = torch.tensor([[1, 1], [1, 0]])
    row0 = (-math.log(2.0) - math.log(2 * math.e)) / 2
    row1 = -math.log(1.0 + 3.0)
    assert sequence_energy(logits, mask).tolist() == pytest.approx([row0, row1])
    with pytest.raises(ValueError, match="no generated token"):
        sequence_energy(logits, torch.zeros(2, 2))


def test_win_rate_asks_both_orders_and_counts_ties():
    asked = []

    def judge(prompts):
        asked.extend(prompts)
        # a judge that always prefers the response shown first: pure position bias
        return ["1"] * len(prompts)

    result = win_rate(["i1", "i2"], ["cand1", "cand2"], ["ref1", "ref2"], judge)
    assert len(asked) == 4 and asked[0].index("cand1") < asked[0].index("ref1")
    assert asked[1].index("ref1") < asked[1].index("cand1")
    assert (result.wins, result.losses, result.ties, result.rate) == (0, 0, 2, 0.5)


def test_win_rate_consistent_verdicts():
    replies = {True: "Response 1 is better: 1", False: "2"}  # always picks the candidate

    def judge(prompts):
        return [replies[p.index("cand") < p.index("ref")] for p in prompts]

    result = win_rate(["i"] * 3, ["cand a", "cand b", "cand c"], ["ref a", "ref b", "ref c"], judge)
    assert (result.wins, result.rate) == (3, 1.0)


def test_verdict_parsing():
    assert parse_verdict("I think Tie.") == "tie" and parse_verdict("2") == "2" and parse_verdict("none") is None
