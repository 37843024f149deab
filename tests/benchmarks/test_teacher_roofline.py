"""The roofline benchmark's weight counting, its split of a decode step (tiny models, no download), and
its requantized llama.cpp probe (a real packaged GGUF, where llama-cpp-python is installed)."""

import importlib.util
import sys
from pathlib import Path

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from teacher_roofline import (  # noqa: E402
    LinearTimer,
    gguf_step_weights,
    greedy_requests,
    requantized,
    requests_for,
    roofline,
    step_weights,
)

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


def test_greedy_requests_change_only_the_temperature_and_top_p():
    sampled = requests_for("qwen2.5-coder-0.5b-instruct", 3, 12)
    greedy = greedy_requests(sampled)
    assert all(g.sampling.greedy and g.sampling.top_p == 1.0 for g in greedy)
    assert [(g.messages, g.seed, g.sampling.max_new_tokens) for g in greedy] == \
        [(r.messages, r.seed, r.sampling.max_new_tokens) for r in sampled]
    assert all(not r.sampling.greedy for r in sampled)  # the originals are untouched (frozen, replaced)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is not installed")
def test_requantized_gguf_holds_the_asked_type_and_the_same_weights(tmp_path):
    import numpy as np
    from gguf import GGMLQuantizationType as Kind
    from gguf import GGUFReader
    from gguf.quants import dequantize

    from synthlib.packaged import gguf_path

    alias = "gemma-3-270m"
    shipped = {t.name: t for t in GGUFReader(gguf_path(alias)).tensors}
    ours = {t.name: t for t in GGUFReader(requantized(alias, "Q8_0", tmp_path)).tensors}
    assert ours.keys() == shipped.keys()
    # every matrix is Q8_0 now (norms stay float32); the shipped file mixes Q5_0, Q4_K, Q6_K and Q8_0
    assert {t.tensor_type for t in ours.values()} == {Kind.Q8_0, Kind.F32}
    assert {t.tensor_type for t in shipped.values()} - {Kind.Q8_0, Kind.F32}
    # the same weights, rounded once more: a Q5_0 matrix moves by a small fraction of its own spread
    name = next(n for n, t in shipped.items() if t.tensor_type == Kind.Q5_0)
    before = dequantize(shipped[name].data, Kind.Q5_0)
    after = dequantize(ours[name].data, Kind.Q8_0)
    assert before.shape == after.shape
    assert 0 < np.abs(after - before).max() < 0.05 * np.abs(before).max()
    assert gguf_step_weights(tmp_path / f"{alias}.Q8_0.gguf")[0] == gguf_step_weights(gguf_path(alias))[0]
