"""CRAFT's students: LoRA trains only adapter weights; letter log-prob scoring matches a hand computation."""

from __future__ import annotations

import math

import pytest
import torch

from synthlib.methods.craft import CraftConfig
from synthlib.methods.craft.students import fresh_student, lora_settings, score_mc, train_settings
from synthlib.methods.craft.tasks import task_spec
from synthlib.metrics.multiple_choice import letter_token_ids

TASK = task_spec("bioqa")
CONFIG = CraftConfig(lora_r=4, lora_alpha=4, epochs=2.0, learning_rate=1e-2, max_length=64)
SAMPLES = [{"question": f"Question {i} about cells?", "options": ["one", "two", "three", "four"],
            "answer": "ABCD"[i % 4]} for i in range(6)]


def test_lora_training_changes_only_adapter_weights():
    import datasets

    from synthlib.students import train

    student = fresh_student("tiny-random-gpt2", lora_settings(CONFIG), seed=0)
    before = {name: p.detach().clone() for name, p in student.model.named_parameters()}
    trainable = {name for name, p in student.model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in name for name in trainable)
    for layer in ("c_attn", "c_proj", "c_fc"):  # every linear (Conv1D) layer of GPT-2 carries adapters
        assert any(f"{layer}.lora_A" in name for name in trainable)
    table = datasets.Dataset.from_list([{"source": TASK.source(s), "target": TASK.target(s)} for s in SAMPLES])
    train(student, table, train_settings(CONFIG, batch_size=2, seed=0), inputs=("source",), target="target")
    changed = {name for name, p in student.model.named_parameters() if not torch.equal(p.detach(), before[name])}
    assert changed and changed <= trainable
    assert any("lora_B" in name for name in changed)  # lora_B starts at zero: training moved it


class _Fixed(torch.nn.Module):
    """A stand-in LM whose next-token logits depend only on how many real tokens the prompt has."""

    def __init__(self, vocab: int, table: dict[int, dict[int, float]]):
        super().__init__()
        self.vocab, self.table = vocab, table
        self.device = torch.device("cpu")

    def forward(self, input_ids, attention_mask, **_):
        logits = torch.zeros(*input_ids.shape, self.vocab)
        for row, length in enumerate(attention_mask.sum(-1).tolist()):
            for token, value in self.table[length].items():
                logits[row, -1, token] = value
        return type("Out", (), {"logits": logits})()


def test_letter_scoring_equals_a_hand_computed_case():
    student = fresh_student("tiny-random-gpt2")
    tokenizer = student.tokenizer
    rows = [{"question": "Short?", "choices": ["a", "b", "c", "d"], "label": 2},
            {"question": "A much longer question about the cell cycle?", "choices": ["a", "b", "c", "d"], "label": 0},
            {"question": "Mid length question here?", "choices": ["a", "b", "c", "d"], "label": 1}]
    from synthlib.methods.craft.students import mc_prompts

    lengths = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in mc_prompts(TASK, rows, tokenizer)]
    assert len(set(lengths)) == 3
    ids = letter_token_ids(tokenizer, TASK.letters)
    # row 0 prefers C (right), row 1 prefers B (wrong), row 2 prefers B (right): accuracy 2/3
    wanted = {lengths[0]: {ids[2]: 3.0, ids[0]: 1.0}, lengths[1]: {ids[1]: 2.0}, lengths[2]: {ids[1]: 5.0, ids[3]: 4.0}}
    student.model = _Fixed(len(tokenizer), wanted)
    assert score_mc(student, TASK, rows, batch_size=2)["accuracy"] == pytest.approx(100 * 2 / 3)
    # the log-probabilities themselves, by hand: log_softmax over the whole vocabulary
    from synthlib.metrics.multiple_choice import letter_logprobs

    logprobs = letter_logprobs(student.model, tokenizer, mc_prompts(TASK, rows, tokenizer), TASK.letters, 2,
                               add_special_tokens=False)
    vocab = len(tokenizer)
    norm = math.log(vocab - 2 + math.exp(3.0) + math.exp(1.0))  # row 0: two raised logits, the rest 0
    # float32 log-sum-exp over BERT's 30,522 entries: the summation order (8 lanes on AVX2, 16 on AVX-512)
    # moves the result by up to ~3e-5, so the tolerance is 1e-4 (the letters still differ by whole units)
    assert logprobs[0, 2].item() == pytest.approx(3.0 - norm, abs=1e-4)
    assert logprobs[0, 1].item() == pytest.approx(-norm, abs=1e-4)
