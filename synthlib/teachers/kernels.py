"""Faster decode-step matmuls for float32 and bfloat16 teachers on a CPU, bit for bit the same results.

A decode step multiplies a handful of rows (one per sequence) by every weight matrix. For that
shape ``F.linear(x, W)`` (``x @ W.T``) streams the weights at well under the memory bandwidth on
the CPUs we measured, while ``W @ x.T`` walks ``W`` in its stored order. bfloat16 on an AMX Xeon
(batch 16): 1.3-1.8x faster per layer and 2.2x for gemma-3-270m's 262k-row output layer. float32 on
an AVX2-only AMD EPYC: a gemma-3-270m decode step 289 -> 223 ms (median of 8; MKL reached 26
GFLOP/s on the output layer through ``F.linear``, 36-52 through this path). Both go through the
same GEMM, and for up to :data:`MAX_ROWS` rows they returned identical bits on those machines;
beyond it the library switches algorithms and the bits may differ. Because that equality is the
library's behaviour, not a promise, :func:`speed_up_decode` first checks it on the model's own
weight shapes and leaves the model untouched where it fails.
"""

from __future__ import annotations

import logging

import torch
from torch import nn

log = logging.getLogger(__name__)

#: largest number of rows (batch x new tokens) that takes the weight-stationary path
MAX_ROWS = 32
#: weight dtypes that may take the path (float16 GEMMs on a CPU were never measured)
DTYPES = (torch.float32, torch.bfloat16)
#: weight rows per product in :func:`_stationary` (32k: fastest of 2k / 8k / 32k on the output layer)
BLOCK = 32768


class DecodeLinear(nn.Linear):
    """``nn.Linear`` that computes ``(W @ x.T).T`` for small float32/bfloat16 CPU inputs (decode steps)."""

    #: row counts at which the product was checked bit-identical (set by :func:`speed_up_decode`)
    fast_rows: frozenset[int] = frozenset()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Same result as ``nn.Linear.forward``; faster at the row counts in :attr:`fast_rows`."""
        rows = x.numel() // x.shape[-1] if x.shape[-1] else 0
        # F.linear's bits depend on the input's strides, and the equality was checked on contiguous
        # inputs: only those take the fast path (a decode step's layers receive contiguous inputs)
        if rows not in self.fast_rows or not _eligible(x, self.weight):
            return super().forward(x)
        return _stationary(x.reshape(rows, x.shape[-1]), self.weight, self.bias).reshape(*x.shape[:-1], -1)


def _eligible(x: torch.Tensor, weight: torch.Tensor) -> bool:
    return (x.device.type == "cpu" and x.dtype == weight.dtype and x.dtype in DTYPES and x.is_contiguous()
            and not torch.is_grad_enabled())


def _stationary(flat: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    # the output is written in blocks of weight rows: transposing a (BLOCK x rows) piece stays in
    # cache, where transposing a whole 262k-row output layer's product cost as much as the product
    out = flat.new_empty(flat.shape[0], weight.shape[0])
    for start in range(0, weight.shape[0], BLOCK):
        rows = slice(start, start + BLOCK)
        if bias is None:
            out[:, rows] = (weight[rows] @ flat.T).T
        else:  # the bias joins inside the GEMM, as in F.linear
            out[:, rows] = torch.addmm(bias[rows, None], weight[rows], flat.T).T
    return out


def speed_up_decode(model: nn.Module) -> int:
    """Switch a float32 or bfloat16 CPU model's plain ``nn.Linear`` layers to :class:`DecodeLinear`, in place.

    Every row count from 1 to :data:`MAX_ROWS` is checked on each of the model's weight shapes, and
    only the counts where the faster product reproduces ``F.linear`` bit for bit on all of them take
    it (float32 on an AVX2 EPYC differed at 2-11 rows and matched at 1 and 12-32). Returns how many
    layers were switched: 0 when the model is not on a CPU in one of :data:`DTYPES` (mixed dtypes
    included) or when no row count matched. Subclasses of ``nn.Linear`` (LoRA layers, quantized
    layers) are left alone.
    """
    linears = [m for m in model.modules() if type(m) is nn.Linear]
    dtypes = {m.weight.dtype for m in linears}
    if not linears or len(dtypes) > 1 or dtypes.pop() not in DTYPES or any(m.weight.device.type != "cpu"
                                                                           for m in linears):
        return 0
    shapes = {(tuple(m.weight.shape), m.bias is not None): m for m in linears}
    fast_rows = frozenset(range(1, MAX_ROWS + 1))
    for module in shapes.values():
        fast_rows &= _matching_rows(module, fast_rows)
    if not fast_rows:
        log.info("speed_up_decode: the weight-stationary product differs from F.linear here; model left as it is")
        return 0
    for module in linears:
        module.__class__ = DecodeLinear
        module.fast_rows = fast_rows
    return len(linears)


def _matching_rows(module: nn.Linear, candidates: frozenset[int]) -> frozenset[int]:
    """The row counts among ``candidates`` at which the stationary product equals ``F.linear`` bit for
    bit on this layer's weights. A weight taller than :data:`BLOCK` is checked on the pieces that
    :func:`_stationary` multiplies (its first block, and its last when that one is shorter), so that
    a 262k-row output layer costs seconds to check, not a minute."""
    generator = torch.Generator().manual_seed(0)
    height = module.weight.shape[0]
    pieces = [slice(0, min(height, BLOCK))] + ([slice(height - height % BLOCK, height)] if height > BLOCK
                                                and height % BLOCK else [])
    matching = set()
    with torch.no_grad():
        for rows in sorted(candidates):
            x = torch.randn(rows, module.in_features, generator=generator).to(module.weight.dtype)
            if all(_same(x, module.weight[piece], None if module.bias is None else module.bias[piece])
                   for piece in pieces):
                matching.add(rows)
    return frozenset(matching)


def _same(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> bool:
    return torch.equal(nn.functional.linear(x, weight, bias), _stationary(x, weight, bias))
