"""The three soft-prompt parameterizations of SoftSRV (seed 003, section 2) and their sizes.

Shapes (d: the frozen LLM's hidden size, t: soft tokens, d_e: context size, k: bases, h: MLP width,
L: MLP layers). Every module maps a context batch z [B, d_e] to prompts [B, t, d]:

=====  ===================================================  =========================================
kind   parameters                                           count
=====  ===================================================  =========================================
np     P [t, d]                                             t*d
mpk    bases [k, t, d]; W: Linear(d_e -> k), softmax        k*t*d + d_e*k + k
mc     t MLPs d_e -> h -> ... -> h -> d (L linear layers,   t*(d_e*h + h + (L-2)*(h*h + h) + h*d + d)
       GELU between), stacked so the t MLPs run as one
=====  ===================================================  =========================================

The paper: t = 128, k = 2, MC with 3 layers of 128 hidden units. Every kind starts at ``init``
(embeddings of randomly drawn vocabulary tokens, the usual prompt-tuning start): NP is ``init``,
each MPk basis is ``init`` plus small noise, and an MC column is ``init``'s column (the output
bias) plus a small context-dependent term (small output weights).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from synthlib.config import ConfigError

KINDS = ("np", "mp", "mc")
_VARIANT = re.compile(r"^(np|mc|mp(\d+))$")


@dataclass(frozen=True)
class PromptSpec:
    """What a soft prompt is: kind, soft tokens, sizes. Saved next to the weights."""

    kind: str  # np | mp | mc
    tokens: int  # t
    hidden_size: int  # d, the frozen LLM's embedding width
    context_size: int = 0  # d_e (unused by np)
    k: int = 2  # MPk: number of basis prompts
    mlp_hidden: int = 128  # MC: width of each MLP
    mlp_layers: int = 3  # MC: linear layers per MLP (>= 2)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"unknown soft-prompt kind '{self.kind}'; use one of {', '.join(KINDS)}")
        if self.tokens < 1 or self.hidden_size < 1:
            raise ConfigError(f"need tokens >= 1 and hidden_size >= 1, got {self.tokens}, {self.hidden_size}")
        if self.kind != "np" and self.context_size < 1:
            raise ConfigError(f"a contextual prompt ({self.kind}) needs context_size >= 1")
        if self.kind == "mp" and self.k < 1 or self.kind == "mc" and (self.mlp_layers < 2 or self.mlp_hidden < 1):
            raise ConfigError("need k >= 1 (mp) and mlp_layers >= 2, mlp_hidden >= 1 (mc)")

    @property
    def name(self) -> str:
        """Short label: ``np``, ``mp2``, ``mc`` (the paper's SS_NP, SS_MP2, SS_MC)."""
        return f"mp{self.k}" if self.kind == "mp" else self.kind

    def to_dict(self) -> dict[str, Any]:
        """Plain data (stored with the checkpoint)."""
        return asdict(self)


def parse_variant(variant: str) -> tuple[str, int]:
    """``np`` -> (np, 0), ``mp2`` -> (mp, 2), ``mc`` -> (mc, 0); a ConfigError otherwise."""
    match = _VARIANT.match(variant)
    if not match or variant == "mp0":
        raise ConfigError(f"unknown soft-prompt variant '{variant}'; use np, mc or mp<k> (e.g. mp2)")
    return (variant[:2], int(match.group(2))) if match.group(2) else (variant, 0)


def parameter_count(spec: PromptSpec) -> int:
    """Trainable parameters of ``spec`` (the table in the module docstring)."""
    t, d, e = spec.tokens, spec.hidden_size, spec.context_size
    if spec.kind == "np":
        return t * d
    if spec.kind == "mp":
        return spec.k * t * d + e * spec.k + spec.k
    h = spec.mlp_hidden
    return t * (e * h + h + (spec.mlp_layers - 2) * (h * h + h) + h * d + d)


def build_prompt(spec: PromptSpec, init: Any = None, seed: int = 0):
    """A torch module for ``spec``: ``module(z [B, d_e]) -> [B, t, d]``. ``init`` [t, d] is the start."""
    import torch

    from synthlib.softprompt.modules import Mixture, MLPConcat, NonContextual

    generator = torch.Generator().manual_seed(seed)
    if init is None:
        init = torch.randn(spec.tokens, spec.hidden_size, generator=generator) * 0.02
    init = torch.as_tensor(init, dtype=torch.float32).detach().clone()
    if tuple(init.shape) != (spec.tokens, spec.hidden_size):
        raise ValueError(f"init has shape {tuple(init.shape)}, expected ({spec.tokens}, {spec.hidden_size})")
    cls = {"np": NonContextual, "mp": Mixture, "mc": MLPConcat}[spec.kind]
    return cls(spec, init, generator)
