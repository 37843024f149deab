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


def test_a_teacher_judges_through_a_prefilled_verdict_turn():
    from synthlib.metrics.judge import VERDICT_PREFILL, ask_teacher
    from synthlib.teachers import Teacher
    from synthlib.teachers.base import Generation, TeacherSignature, prefill_of

    class Judge(Teacher):  # continues the prefilled turn like a backend: prefill + its own words
        seen = []

        @property
        def signature(self):
            return TeacherSignature("test", "judge")

        def _generate(self, requests, on_result):
            self.seen += requests
            return [Generation(prefill_of(r) + (" 1" if "good" in r.messages[0]["content"].split("Response 1:")[1]
                                                 .split("Response 2:")[0] else " 2")) for r in requests]

    judge = Judge()
    result = win_rate(["Describe the sky."], ["a good answer"], ["a bad answer"], ask_teacher(judge))
    assert result.wins == 1 and result.unparsed == 0  # both orders agree on the good answer
    assert all(r.messages[-1] == {"role": "assistant", "content": VERDICT_PREFILL} for r in judge.seen)
    assert all(r.sampling.greedy for r in judge.seen)


@pytest.mark.slow
def test_the_packaged_instruct_model_judges_an_obvious_pair():
    from synthlib.metrics.judge import ask_teacher
    from synthlib.teachers import load_teacher

    judge = load_teacher("qwen2.5-coder-0.5b-instruct", cache=False)
    instructions = ["Write the number that comes after 2."] * 2
    result = win_rate(instructions, ["3", "The number after 2 is 3."], ["banana purple", "seven hundred dogs"],
                      ask_teacher(judge))
    assert result.unparsed <= 1  # the verdict turn is answered with 1, 2 or tie
    assert result.rate >= 0.5  # the right answer does not lose to nonsense
