"""Counter-based noise: a pure function of (seed, step, token), uniform, and an exact sampler."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from synthlib.teachers.noise import CounterNoise, gumbel, uniforms


def test_a_uniform_depends_only_on_its_seed_step_and_token():
    tokens = torch.tensor([[5, 17, 262143], [5, 17, 0]])
    both = uniforms([3, 4], 7, tokens)
    alone = uniforms([4], 7, tokens[1:])
    assert torch.equal(both[1], alone[0])  # a row's noise ignores its batch-mates
    assert torch.equal(uniforms([3, 4], 7, tokens), both)  # and is the same every time
    assert not torch.equal(uniforms([3, 4], 8, tokens), both)  # a new step, new noise
    assert both[0, 0] != both[1, 0]  # a new seed, new noise
    assert both.dtype == torch.float32 and bool(((both > 0) & (both < 1)).all())


def test_no_noise_value_exceeds_the_bound_an_untruncated_sampler_relies_on():
    from synthlib.teachers.noise import MAX_GUMBEL

    noise = gumbel(list(range(256)), 3, torch.arange(65536).expand(256, 65536))
    assert float(noise.max()) <= MAX_GUMBEL and float(noise.max()) > 12  # 16.7M draws reach far into the tail
    ones = torch.full((1, 1), 1 - 2.0**-24)
    assert float(-torch.log(-torch.log(ones))) <= MAX_GUMBEL + 1e-3  # the largest uniform, unclamped


def test_noise_at_pairs_is_the_noise_of_their_rows_and_tokens():
    noise = CounterNoise([5, 6])
    noise.next_step()
    dense = noise.gumbel_all(40)
    rows, tokens = torch.tensor([1, 0, 1]), torch.tensor([39, 0, 3])
    assert torch.equal(noise.gumbel_at(rows, tokens), dense[rows, tokens])


def test_uniforms_are_uniform_and_unrelated_across_neighbouring_counters():
    values = uniforms(list(range(64)), 0, torch.arange(4096).expand(64, 4096)).numpy().ravel()
    assert stats.kstest(values, "uniform").pvalue > 1e-3
    # neighbouring tokens and neighbouring seeds must not be correlated (a weak hash would be)
    grid = values.reshape(64, 4096)
    assert abs(np.corrcoef(grid[:, :-1].ravel(), grid[:, 1:].ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(grid[:-1].ravel(), grid[1:].ravel())[0, 1]) < 0.01


def test_negative_and_large_seeds_are_accepted():
    noise = gumbel([-1, 2**62], 0, torch.tensor([[1, 2], [1, 2]]))
    assert noise.shape == (2, 2) and bool(torch.isfinite(noise).all())


def test_gumbel_max_over_counter_noise_samples_the_softmax():
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0, -math.inf])
    draws = 20000
    noise = CounterNoise(list(range(draws)))
    noise.next_step()
    picks = (logits + noise.gumbel_all(5)).argmax(-1)
    counts = torch.bincount(picks, minlength=5).numpy()
    assert counts[4] == 0  # a masked token never wins
    expected = torch.softmax(logits[:4].double(), -1).numpy() * draws
    assert stats.chisquare(counts[:4], expected).pvalue > 1e-3


def test_a_subset_of_rows_gets_those_rows_noise():
    noise = CounterNoise([10, 11, 12])
    noise.next_step()
    tokens = torch.tensor([[4, 9], [4, 9], [4, 9]])
    every = noise.gumbel(tokens)
    assert torch.equal(noise.gumbel(tokens[[2]], [2]), every[[2]])
    assert torch.equal(noise.gumbel_all(16, rows=[1])[:, [4, 9]], every[[1]])


@pytest.mark.parametrize("step", [0, 1, 2**40])
def test_steps_far_apart_stay_finite(step):
    assert bool(torch.isfinite(gumbel([0], step, torch.tensor([[0, 1, 2]]))).all())


def test_the_noise_stream_is_part_of_an_hf_teachers_cache_key_only():
    from synthlib.teachers.base import TeacherSignature
    from synthlib.teachers.hf import tiny_random_teacher
    from synthlib.teachers.noise import STREAM

    assert tiny_random_teacher().signature.sampler == STREAM
    assert STREAM in tiny_random_teacher().signature.key()
    server_side = TeacherSignature(backend="openai", model="m", revision="r")
    assert "sampler" not in server_side.key()  # keys of server-side samplers did not change
    assert server_side.to_dict()["sampler"] == ""
