"""Counter-based Gumbel noise: a function of (seed, step, token), drawn only where it is needed.

Seeded sampling adds Gumbel noise to the processed logits and takes the arg-max (an exact sample).
With a stateful generator the noise of step t needs every uniform of steps 0..t-1 drawn first: one
per vocabulary entry per row per step, 4.2 million numbers a step for 16 rows of gemma-3-270m's
262k-token vocabulary (13 ms of a ~80 ms bfloat16 decode step of gemma on an AVX512 machine's two
cores), though only a few hundred tokens can win at top-p 0.95. Here each uniform is a
hash of ``(seed, step, token)`` instead, so a sampler computes it for the few hundred tokens that
survive top-p and nothing else, and the full-vocabulary reference sampler computes the very same
numbers for every token. A row's samples still depend only on its own seed.

The hash is SplitMix64's finaliser (a bijection on 64-bit words with full avalanche), chained over
the three counters and computed in NumPy ``uint64``, whose arithmetic wraps by definition. A
uniform keeps the hash's top 23 bits, a float32 in [2^-24, 1 - 2^-24], so no noise value exceeds
:data:`MAX_GUMBEL` (16.64): a token whose score lies further than that below the best noisy score
found so far cannot win, which lets an untruncated sampler skip most of the vocabulary exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: names this noise stream in teacher signatures (a new stream means new samples: cache keys change)
STREAM = "counter-splitmix64-f23-v1"
#: no Gumbel value of this stream is larger (-log(-log(1 - 2^-24)) = 16.635..., clamped to it)
MAX_GUMBEL = 16.64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, element-wise (wrapping uint64 arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def uniforms(seeds: Any, step: int, tokens: Any, rows: Any = None) -> Any:
    """Uniforms in (0, 1) for ``tokens`` of rows seeded by ``seeds`` (a list), float32, on the
    tokens' device.

    ``tokens`` is rows x k token ids (one row per seed), or, with ``rows`` (the seed index of each
    token, same shape), any shape. The same (seed, step, token) always gives the same number,
    whatever else is in the batch.
    """
    import torch

    with np.errstate(over="ignore"):
        row_keys = _mix(np.asarray(seeds, dtype=np.int64).astype(np.uint64) ^ _GOLDEN)
        row_keys = _mix(row_keys + np.uint64(step) * _GOLDEN)
        ids = tokens.detach().to("cpu", torch.int64).numpy().astype(np.uint64)
        keys = row_keys[:, None] if rows is None else row_keys[rows.detach().to("cpu", torch.int64).numpy()]
        bits = _mix(keys + (ids + np.uint64(1)) * _GOLDEN)
    # the top 23 bits, centred in their interval: never 0 or 1, and exact in float32
    values = ((bits >> np.uint64(41)).astype(np.float32) + np.float32(0.5)) * np.float32(2.0**-23)
    return torch.from_numpy(values).to(tokens.device)


def gumbel(seeds: Any, step: int, tokens: Any, rows: Any = None) -> Any:
    """Gumbel(0, 1) noise for ``tokens`` (see :func:`uniforms`), float32, at most :data:`MAX_GUMBEL`."""
    import torch

    return (-torch.log(-torch.log(uniforms(seeds, step, tokens, rows)))).clamp_(max=MAX_GUMBEL)


class CounterNoise:
    """The noise of one batch of seeded rows, step after step: ``next_step()`` then ``gumbel(tokens)``."""

    def __init__(self, seeds: list[int]):
        self.seeds = [int(s) for s in seeds]
        self.step = -1

    def next_step(self) -> None:
        """Advance to the next decode step (call once per step, before drawing its noise)."""
        self.step += 1

    def gumbel(self, tokens: Any, rows: Any = None) -> Any:
        """This step's Gumbel noise for ``tokens`` (one row of token ids per batch row, or per row
        of ``rows``, a subset of the batch's row indices)."""
        seeds = self.seeds if rows is None else [self.seeds[int(r)] for r in rows]
        return gumbel(seeds, self.step, tokens)

    def gumbel_at(self, rows: Any, tokens: Any) -> Any:
        """This step's Gumbel noise at (``rows[i]``, ``tokens[i]``) pairs (1-D tensors of batch rows
        and token ids)."""
        return gumbel(self.seeds, self.step, tokens, rows)

    def gumbel_all(self, vocab: int, device: Any = "cpu", rows: Any = None) -> Any:
        """This step's Gumbel noise for every token of the vocabulary (rows x vocab)."""
        import torch

        count = len(self.seeds) if rows is None else len(rows)
        return self.gumbel(torch.arange(vocab, device=device).expand(count, vocab), rows)
