"""The context encoder E(x): the mean of a small LM's input token embeddings (deliberately lossy).

SoftSRV conditions its contextual prompts on z = E(x), "the average of token embeddings computed by
a small off-the-shelf decoder-only LM" (seed 003, section 3.3). We use the **frozen LLM's own
input-embedding table** (for the cpu profile: gemma-3-270m, d_e = 640):

* it is a real off-the-shelf LM's embedding, needs no second model, no second tokenizer and no
  forward pass (one table lookup per token);
* it is lossy the way the paper wants: a mean is a bag of tokens (order is gone), and the RMS
  normalisation below also removes the length, so the reconstruction task stays hard;
* d_e equals the LLM's width (640 here; the paper's 2B backbone would give 2048).

Any other LM's embedding table can be passed instead (``MeanEmbedding(embedding, tokenizer)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class MeanEmbedding:
    """z = RMS-normalised mean of ``embedding(token ids of x)``; no gradient flows into it."""

    def __init__(self, embedding: Any, tokenizer: Any, max_tokens: int = 256):
        self.embedding, self.tokenizer, self.max_tokens = embedding, tokenizer, max_tokens

    @classmethod
    def of(cls, model: Any, tokenizer: Any, max_tokens: int = 256) -> MeanEmbedding:
        """The encoder on ``model``'s own input embeddings (Gemma's module includes its sqrt(d) scale)."""
        return cls(model.get_input_embeddings(), tokenizer, max_tokens)

    @property
    def size(self) -> int:
        """d_e, the context width."""
        return int(self.embedding.weight.shape[1])

    def encode(self, texts: Sequence[str]):
        """A float32 tensor [len(texts), d_e] on the embedding's device."""
        import torch

        device = self.embedding.weight.device
        rows = []
        with torch.no_grad():
            for text in texts:
                ids = self.tokenizer(text, add_special_tokens=False)["input_ids"][: self.max_tokens] or [0]
                mean = self.embedding(torch.tensor([ids], device=device))[0].float().mean(dim=0)
                rows.append(mean / mean.pow(2).mean().sqrt().clamp(min=1e-6))
        return torch.stack(rows)
