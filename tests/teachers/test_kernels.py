"""The weight-stationary decode matmuls change speed, never results."""

import copy

import pytest
import torch
from torch import nn

from synthlib.teachers import Request, SamplingParams, kernels
from synthlib.teachers.hf import HFTeacher
from synthlib.teachers.kernels import MAX_ROWS, DecodeLinear, speed_up_decode
from synthlib.teachers.tokenizer import builtin_tokenizer


def tiny_qwen(dtype=torch.bfloat16):
    """A random 2-layer Qwen2 (biased q/k/v projections, an untied output layer) in ``dtype``."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = builtin_tokenizer()
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         tie_word_embeddings=False, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    return Qwen2ForCausalLM(config).to(dtype).eval(), tokenizer


def decode_logits(model, steps: int = 6, rows: int = 5) -> list[torch.Tensor]:
    """Logits of a prefill and of ``steps`` greedy decode steps on a KV cache."""
    torch.manual_seed(1)
    ids = torch.randint(5, 200, (rows, 12))
    out = []
    with torch.inference_mode():
        result = model(input_ids=ids, use_cache=True)
        for _ in range(steps):
            out.append(result.logits[:, -1].clone())
            token = result.logits[:, -1].argmax(-1, keepdim=True)
            result = model(input_ids=token, past_key_values=result.past_key_values, use_cache=True)
    return out


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_switched_model_gives_the_same_logits_bit_for_bit(dtype):
    model, _ = tiny_qwen(dtype)
    fast = copy.deepcopy(model)
    switched = speed_up_decode(fast)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert switched in (0, len(linears))  # all or nothing
    for expected, got in zip(decode_logits(model), decode_logits(fast), strict=True):
        assert torch.equal(expected, got)


def test_float16_mixed_and_adapted_layers_are_left_alone():
    for model in (tiny_qwen(torch.float16)[0], nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8).to(torch.bfloat16))):
        assert speed_up_decode(model) == 0
        assert not any(isinstance(m, DecodeLinear) for m in model.modules())

    class Adapted(nn.Linear):  # stands for a LoRA or quantized layer
        pass

    layer = nn.Sequential(Adapted(8, 8).to(torch.bfloat16), nn.Linear(8, 8).to(torch.bfloat16))
    speed_up_decode(layer)
    assert type(layer[0]) is Adapted


def test_a_product_that_differs_here_leaves_the_model_untouched(monkeypatch):
    model, _ = tiny_qwen()
    exact = kernels._stationary
    monkeypatch.setattr(kernels, "_stationary", lambda x, w, b: exact(x, w, b) + 1e-2)
    assert speed_up_decode(model) == 0
    assert not any(isinstance(m, DecodeLinear) for m in model.modules())


@pytest.mark.parametrize("rows", [1, 7, MAX_ROWS, MAX_ROWS + 1, 100])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_decode_linear_equals_linear_in_every_regime(rows, bias, dtype):
    torch.manual_seed(rows)
    layer = nn.Linear(48, 40000 if rows == 7 else 96, bias=bias).to(dtype)  # 40k rows: two blocks
    plain = copy.deepcopy(layer)
    if not speed_up_decode(layer):
        pytest.skip("the stationary product is not bit-identical on this CPU; nothing to compare")
    x = torch.randn(48, rows).to(dtype).T  # a transposed (non-contiguous) input, as a layer can receive
    assert rows == 1 or not x.is_contiguous()
    with torch.inference_mode():
        assert torch.equal(layer(x), plain(x))
        assert layer(x).is_contiguous()
    assert layer.fast_rows <= set(range(1, MAX_ROWS + 1))


def test_only_the_row_counts_that_matched_take_the_fast_path(monkeypatch):
    layer = nn.Linear(16, 8)
    exact = kernels._stationary
    # a product that is off at 2 and 3 rows, as float32 MKL on an AVX2 EPYC was at 2-11
    monkeypatch.setattr(kernels, "_stationary", lambda x, w, b: exact(x, w, b) + (1e-3 if len(x) in (2, 3) else 0))
    assert speed_up_decode(layer) == 1
    assert 2 not in layer.fast_rows and 3 not in layer.fast_rows and 1 in layer.fast_rows
    x = torch.randn(2, 16)
    with torch.inference_mode():
        assert torch.equal(layer(x), nn.functional.linear(x, layer.weight, layer.bias))


def test_training_takes_the_plain_path_and_gets_gradients():
    layer = nn.Linear(16, 8).to(torch.bfloat16)
    layer.__class__ = DecodeLinear
    x = torch.randn(4, 16, dtype=torch.bfloat16, requires_grad=True)
    layer(x).float().sum().backward()
    assert x.grad is not None and layer.weight.grad is not None


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_a_teacher_samples_the_same_text_with_and_without_the_switch(dtype):
    model, tokenizer = tiny_qwen(dtype)
    requests = [Request(prompt=f"story {i}:", seed=i, sampling=SamplingParams(max_new_tokens=12, temperature=1.0,
                                                                               top_p=0.9)) for i in range(3)]
    plain = HFTeacher(copy.deepcopy(model), tokenizer, name="tiny-qwen", stand_in=True, batch_size=3)
    for module in plain.model.modules():  # undo the switch HFTeacher made
        if isinstance(module, DecodeLinear):
            module.__class__ = nn.Linear
    fast = HFTeacher(model, tokenizer, name="tiny-qwen", stand_in=True, batch_size=3)
    assert [g.text for g in fast.generate(requests)] == [g.text for g in plain.generate(requests)]
