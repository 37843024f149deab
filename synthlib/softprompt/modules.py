"""The torch modules behind :func:`synthlib.softprompt.params.build_prompt` (shapes documented there)."""

from __future__ import annotations

import math

import torch
from torch import nn


class SoftPrompt(nn.Module):
    """Base: ``forward(z [B, d_e]) -> prompts [B, t, d]``; ``spec`` says what it is."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec


class NonContextual(SoftPrompt):
    """NP: one learned P, the same for every context (z only gives the batch size)."""

    def __init__(self, spec, init: torch.Tensor, generator: torch.Generator):
        super().__init__(spec)
        self.prompt = nn.Parameter(init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """P repeated over the batch."""
        return self.prompt.unsqueeze(0).expand(z.shape[0], -1, -1)


class Mixture(SoftPrompt):
    """MPk: sum_i w_i(z) P_i with (w_1..w_k) = softmax(W z + b)."""

    def __init__(self, spec, init: torch.Tensor, generator: torch.Generator):
        super().__init__(spec)
        noise = torch.randn(spec.k, *init.shape, generator=generator) * init.std() * 0.1
        self.bases = nn.Parameter(init.unsqueeze(0) + noise)  # distinct bases, so the weights matter
        self.weights = nn.Linear(spec.context_size, spec.k)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """The softmax-weighted mixture of the bases, per context."""
        w = torch.softmax(self.weights(z), dim=-1)  # [B, k]
        return torch.einsum("nk,ktd->ntd", w, self.bases)


class MLPConcat(SoftPrompt):
    """MC: t independent MLPs (stacked weights), MLP j writes column j of P."""

    def __init__(self, spec, init: torch.Tensor, generator: torch.Generator):
        super().__init__(spec)
        t, e, h, d = spec.tokens, spec.context_size, spec.mlp_hidden, spec.hidden_size
        sizes = [e] + [h] * (spec.mlp_layers - 1)
        self.hidden_weights = nn.ParameterList(
            [nn.Parameter(_uniform((t, a, b), a, generator)) for a, b in zip(sizes[:-1], sizes[1:])])
        self.hidden_biases = nn.ParameterList([nn.Parameter(torch.zeros(t, b)) for b in sizes[1:]])
        # small output weights: P starts near init (token embeddings) and the context moves it from there
        self.out_weight = nn.Parameter(_uniform((t, h, d), h, generator) * 0.1 * float(init.std()))
        self.out_bias = nn.Parameter(init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Each token's MLP applied to z; columns stacked to [B, t, d]."""
        x = z.unsqueeze(1).expand(-1, self.spec.tokens, -1)  # [B, t, d_e]
        for weight, bias in zip(self.hidden_weights, self.hidden_biases):
            x = nn.functional.gelu(torch.einsum("nti,tio->nto", x, weight) + bias)
        return torch.einsum("nth,thd->ntd", x, self.out_weight) + self.out_bias


def _uniform(shape: tuple[int, ...], fan_in: int, generator: torch.Generator) -> torch.Tensor:
    # nn.Linear's default scale, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from our seeded generator
    bound = 1.0 / math.sqrt(fan_in)
    return (torch.rand(shape, generator=generator) * 2 - 1) * bound
