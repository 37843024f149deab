"""The roofline benchmark's weight counting and its split of a decode step (tiny models, no download)."""

import sys
from pathlib import Path

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from teacher_roofline import LinearTimer, roofline, step_weights  # noqa: E402

VOCAB, HIDDEN = 96, 16


def tiny(tied: bool) -> LlamaForCausalLM:
    config = LlamaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=tied)
    return LlamaForCausalLM(config).eval()


@pytest.mark.parametrize("tied", [True, False])
def test_step_weights_leaves_out_only_an_unshared_input_embedding(tied):
    model = tiny(tied)
    everything = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    params, weight_bytes = step_weights(model)
    # tied: the table is the output layer, multiplied every step; untied: a lookup, left out
    assert params == (everything if tied else everything - VOCAB * HIDDEN)
    assert weight_bytes == 4 * params


def test_linear_timer_counts_two_flops_per_weight_per_row():
    model = tiny(tied=False)
    linear_weights = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    with torch.no_grad(), LinearTimer(model) as timer:
        model(input_ids=torch.zeros(3, 5, dtype=torch.long))
    assert timer.flops == 2 * linear_weights * 3 * 5
    assert timer.seconds > 0
    # the hooks are gone afterwards: another forward adds nothing
    before = timer.flops
    with torch.no_grad():
        model(input_ids=torch.zeros(1, 2, dtype=torch.long))
    assert timer.flops == before


def test_roofline_is_the_lower_of_the_two_limits():
    # 1 GB of weights, 1e9 params: bandwidth allows 16 * 10 = 160 tok/s, compute 100e9 / 2e9 = 50 tok/s
    assert roofline(16, 10**9, 10**9, 10e9, 100e9) == pytest.approx(50)
    assert roofline(1, 10**9, 10**9, 10e9, 100e9) == pytest.approx(10)
