"""Train a soft prompt on a frozen LLM: P(E(x)) is prepended, the LLM must reproduce x; only P learns.

A plain loop (Adam, seeded batch order, a tqdm bar with the running loss) rather than the HF
Trainer: the trainable object is a small module outside the model and the model must stay frozen
and in eval mode, which a few lines state more plainly than Trainer hooks. Each sequence is
``[special prefix (e.g. BOS)] + P(E(x)) + x + EOS``; the loss covers x and EOS (EOS teaches the
prompt where a sample ends, so generation stops by itself). Checkpoints hold P's weights and its
:class:`~synthlib.softprompt.params.PromptSpec`, written atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.config import option
from synthlib.softprompt.params import PromptSpec, build_prompt

IGNORE = -100


@dataclass
class PromptTrainSettings:
    """Hyperparameters of one soft-prompt training run."""

    steps: int = option(200, "Optimiser steps (paper: 20,000).")
    batch_size: int = option(8, "Sequences per step.")
    learning_rate: float = option(1e-3, "Adam learning rate (paper: 5e-6 over 20k steps on a 2B model).")
    max_tokens: int = option(128, "Tokens of x kept per sequence (longer targets are cut).")
    seed: int = option(0, "Seed of the initial prompt and of the batch order.")

    def __post_init__(self) -> None:
        if self.steps < 0 or self.batch_size < 1 or self.learning_rate <= 0 or self.max_tokens < 1:
            raise ValueError("need steps >= 0, batch_size >= 1, learning_rate > 0 and max_tokens >= 1")


@dataclass
class PromptTrainResult:
    """Loss curve and cost of one training run."""

    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def init_from_vocabulary(model: Any, tokens: int, seed: int):
    """[t, d]: input embeddings of ``tokens`` vocabulary entries drawn at random (seeded)."""
    import torch

    embedding = model.get_input_embeddings()
    ids = torch.randint(0, embedding.weight.shape[0], (tokens,), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return embedding(ids.to(embedding.weight.device)).float().cpu()


def new_prompt(spec: PromptSpec, model: Any, seed: int = 0):
    """A fresh prompt module for ``spec`` starting at random vocabulary embeddings of ``model``."""
    return build_prompt(spec, init_from_vocabulary(model, spec.tokens, seed), seed)


def train_prompt(prompt: Any, model: Any, tokenizer: Any, encoder: Any, texts: Sequence[str],
                 settings: PromptTrainSettings, progress: bool = True) -> PromptTrainResult:
    """Fit ``prompt`` so that ``model`` reproduces each of ``texts`` after P(E(x)). ``model`` stays frozen."""
    import torch
    from tqdm.auto import tqdm

    from synthlib.tokens import bos_ids

    if not texts:
        raise ValueError("no training texts: pass at least one target sequence")
    device = model.get_input_embeddings().weight.device
    model.requires_grad_(False)
    model.eval()  # frozen means no dropout either: the LLM computes the same function throughout
    prompt.to(device).train()
    contexts = encoder.encode(texts).to(device)
    targets = [_target_ids(tokenizer, text, settings.max_tokens) for text in texts]
    prefix = torch.tensor(bos_ids(tokenizer), dtype=torch.long, device=device)
    optimizer = torch.optim.Adam(prompt.parameters(), lr=settings.learning_rate)
    order = _batch_order(len(texts), settings)
    result, started = PromptTrainResult(), time.perf_counter()
    bar = tqdm(order, desc=f"soft prompt {prompt.spec.name}", disable=not progress, dynamic_ncols=True,
               mininterval=0.5)
    for batch in bar:
        embeds, mask, labels = _batch(model, prompt, prefix, contexts[batch], [targets[i] for i in batch])
        loss = model(inputs_embeds=embeds, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        result.losses.append(float(loss.detach()))
        bar.set_postfix(loss=f"{result.losses[-1]:.3f}", refresh=False)
    prompt.eval()
    result.seconds = time.perf_counter() - started
    return result


def _target_ids(tokenizer, text: str, max_tokens: int) -> list[int]:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"][:max_tokens]
    return ids + ([tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else [])


def _batch_order(n: int, settings: PromptTrainSettings) -> list[list[int]]:
    """``steps`` batches of indices: seeded permutations, one epoch after another."""
    import torch

    generator = torch.Generator().manual_seed(settings.seed)
    flat: list[int] = []
    while len(flat) < settings.steps * settings.batch_size:
        flat += torch.randperm(n, generator=generator).tolist()
    return [flat[s * settings.batch_size:(s + 1) * settings.batch_size] for s in range(settings.steps)]


def _batch(model, prompt, prefix, z, targets: list[list[int]]):
    """inputs_embeds [B, len(prefix) + t + T, d], attention mask and labels (right padding)."""
    import torch

    device, embedding = z.device, model.get_input_embeddings()
    width = max(len(ids) for ids in targets)
    ids = torch.zeros(len(targets), width, dtype=torch.long, device=device)
    real = torch.zeros(len(targets), width, dtype=torch.long, device=device)
    for row, target in enumerate(targets):
        ids[row, :len(target)] = torch.tensor(target, device=device)
        real[row, :len(target)] = 1
    soft = prompt(z).to(embedding.weight.dtype)  # [B, t, d]
    pieces = [embedding(prefix).unsqueeze(0).expand(len(targets), -1, -1)] if len(prefix) else []
    embeds = torch.cat([*pieces, soft, embedding(ids)], dim=1)
    head = len(prefix) + soft.shape[1]
    mask = torch.cat([torch.ones(len(targets), head, dtype=torch.long, device=device), real], dim=1)
    labels = torch.cat([torch.full((len(targets), head), IGNORE, device=device), ids.masked_fill(real == 0, IGNORE)],
                       dim=1)
    return embeds, mask, labels


# -- checkpoints ---------------------------------------------------------------------------------

def save_prompt(prompt: Any, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write P's weights, its spec and ``extra`` (e.g. the frozen LLM's signature) atomically."""
    import torch

    from synthlib.runs.atomic import write_bytes

    buffer = io.BytesIO()
    state = {k: v.detach().cpu() for k, v in prompt.state_dict().items()}
    torch.save({"spec": prompt.spec.to_dict(), "state": state, "extra": extra or {}}, buffer)
    return write_bytes(path, buffer.getvalue())


def load_prompt(path: str | Path):
    """(module, extra) from a file written by :func:`save_prompt`."""
    import torch

    data = torch.load(Path(path), map_location="cpu", weights_only=True)
    spec = PromptSpec(**data["spec"])
    prompt = build_prompt(spec)
    prompt.load_state_dict(data["state"])
    return prompt.eval(), data["extra"]


def prompt_hash(prompt: Any) -> str:
    """sha256 over P's spec and weights (16 hex digits): part of every generation's cache key."""
    digest = hashlib.sha256(json.dumps(prompt.spec.to_dict(), sort_keys=True).encode())
    for name, tensor in sorted(prompt.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]
