"""The lean decode loop and the fast sampler give the tokens ``generate`` and ``PerRowSampler`` give."""

import pytest
import torch

from synthlib.teachers import Request, SamplingParams
from synthlib.teachers.decoding import FastSampler, decode, greedy, shared_prefix, with_processors
from synthlib.teachers.hf import PerRowSampler, tiny_random_teacher

SETTINGS = [SamplingParams(temperature=1.0, top_p=0.9, top_k=50), SamplingParams(temperature=0.7, top_p=0.95),
            SamplingParams(temperature=1.0, top_k=20), SamplingParams(temperature=1.3), SamplingParams(temperature=1.0)]


@pytest.fixture(scope="module")
def gpt2():
    return tiny_random_teacher("tiny-random-gpt2", batch_size=4)


@pytest.mark.parametrize("sampling", SETTINGS)
# flat logits push top-p mass past the candidates; wide ones leave most tokens out of an untruncated
# sampler's reach
@pytest.mark.parametrize("spread", [0.2, 1.0, 8.0, 30.0])
def test_fast_sampler_picks_the_per_row_samplers_token(sampling, spread):
    torch.manual_seed(0)
    seeds = [3, 7, 11, 19]
    slow, fast = PerRowSampler(seeds, sampling), FastSampler(seeds, sampling, candidates=8)
    for _ in range(5):  # several steps: the noise streams stay in step
        scores = torch.randn(len(seeds), 3000) * spread
        assert torch.equal(fast(None, scores), slow(None, scores).argmax(dim=-1))


@pytest.mark.parametrize("sampling", SETTINGS)
def test_masked_tokens_never_win_and_the_pick_stays_the_references(sampling):
    seeds = [1, 2, 3]
    slow, fast = PerRowSampler(seeds, sampling), FastSampler(seeds, sampling, candidates=4)
    for _ in range(4):  # several steps: the noise streams stay in step
        scores = torch.randn(3, 500) * 5
        scores[:, ::3] = -float("inf")  # a constrained format's mask
        scores[2, 7:] = -float("inf")  # a row with fewer allowed tokens than candidates
        picked = fast(None, scores)
        assert torch.equal(picked, slow(None, scores).argmax(dim=-1))
        assert bool(torch.isfinite(scores.gather(1, picked[:, None])).all())


def test_shared_prefix_counts_common_leading_tokens():
    a, b = torch.arange(40), torch.cat([torch.arange(30), torch.full((5,), 99)])
    assert shared_prefix([a, b]) == 30
    assert shared_prefix([a, b], minimum=31) == 0
    assert shared_prefix([a, a.clone()]) == 39  # each row keeps one token of its own


def _batch(teacher, prompts):
    return teacher.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)


@pytest.mark.parametrize("sampling", SETTINGS[:2] + [SamplingParams(temperature=0)])
def test_decode_matches_generate_token_for_token(gpt2, sampling):
    """Same seeds, same float32 model: the lean loop (with its shared-prefix prefill) and ``generate``
    with the per-row sampler produce identical tokens."""
    shots = "The river flooded the city and the people moved to the hills. " * 4
    prompts = [shots + "Then " + "the rain " * i for i in range(5)]
    encoded = _batch(gpt2, prompts)
    seeds = list(range(len(prompts)))
    processors = [] if sampling.greedy else [PerRowSampler(seeds, sampling)]
    eos = gpt2.tokenizer.eos_token_id
    with torch.inference_mode():
        reference = gpt2.model.generate(**encoded, max_new_tokens=12, do_sample=False, logits_processor=processors,
                                        pad_token_id=gpt2.tokenizer.pad_token_id, eos_token_id=eos,
                                        temperature=None, top_p=None, top_k=None)
    pick = greedy if sampling.greedy else FastSampler(seeds, sampling)
    tokens, lengths, _ = decode(gpt2.model, encoded["input_ids"], encoded["attention_mask"], 12,
                                with_processors([], pick), eos, gpt2.tokenizer.pad_token_id)
    expected = reference[:, encoded["input_ids"].shape[1]:]
    assert torch.equal(tokens, expected[:, :tokens.shape[1]])
    assert (lengths > 0).all() and int(lengths.max()) == tokens.shape[1]


def test_a_shared_prefix_batch_samples_what_each_prompt_samples_alone(gpt2):
    shots = "Review: a calm film about rivers and the people who live beside them. " * 3
    sampling = SamplingParams(max_new_tokens=10, temperature=1.0, top_p=0.95)
    requests = [Request(prompt=shots + f"Review {i}:" + " so" * i, sampling=sampling, seed=i) for i in range(4)]
    prompts = [gpt2.render(r) for r in requests]
    assert shared_prefix([ids[m.bool()] for ids, m in zip(*_batch(gpt2, prompts).values(), strict=True)]) > 16
    assert [g.text for g in gpt2.generate(requests)] == [gpt2.generate([r])[0].text for r in requests]


@pytest.mark.gpu
def test_decoding_on_cuda_is_reproducible_and_batch_invariant():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    teacher = tiny_random_teacher("tiny-random-gpt2", batch_size=4, device="cuda")
    sampling = SamplingParams(max_new_tokens=10, temperature=1.0, top_p=0.95, logprobs=True)
    requests = [Request(prompt="The river flooded the city " * (1 + i % 3), sampling=sampling, seed=i)
                for i in range(6)]
    batched = teacher.generate(requests)
    assert [g.text for g in batched] == [teacher.generate([r])[0].text for r in requests]
    assert all(len(g.logprobs) == g.completion_tokens for g in batched)


def test_reduced_precision_models_prefill_each_prompt_in_one_piece(monkeypatch):
    """In bfloat16 a prompt split into shared prefix + suffix rounds differently, and the split would
    depend on batch-mates: only float32 models share a prefix."""
    import synthlib.teachers.decoding as decoding

    teacher = tiny_random_teacher("tiny-random-gpt2", batch_size=4)
    teacher.model.to(torch.bfloat16)
    monkeypatch.setattr(decoding, "shared_prefix", lambda prompts: pytest.fail("bfloat16 must not share a prefix"))
    shots = "The river flooded the city and the people moved to the hills. " * 3
    requests = [Request(prompt=shots + f"Then {i}", sampling=SamplingParams(max_new_tokens=4), seed=i)
                for i in range(3)]
    assert len(teacher.generate(requests)) == 3
