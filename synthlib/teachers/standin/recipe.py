"""Recipes of the stand-in teachers: everything that decides the trained weights, hashed.

The hash names the cache folder, so a changed recipe (or a bumped ``version`` when the corpus
code changes) trains a new model instead of reusing a stale one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from synthlib.tasks.formats import FORMATS


@dataclass(frozen=True)
class Recipe:
    """How one stand-in is built: tokenizer, GPT-2 shape, data and optimisation."""

    name: str
    vocab_size: int
    n_layer: int
    n_embd: int
    n_head: int
    context: int  # tokens per training sequence (longer examples are dropped)
    per_format: int  # training examples per output format
    max_words: int  # articles/documents/premises are cut to this many words in prompts
    steps: int
    batch_size: int
    learning_rate: float
    warmup_steps: int
    formats: tuple[str, ...] = tuple(FORMATS)
    seed: int = 0
    version: int = 1  # bump when the corpus builders change what they produce

    def digest(self) -> str:
        """Short sha256 of the whole recipe: the cache folder name and the signature's revision."""
        text = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


RECIPES: dict[str, Recipe] = {
    # smoke profile: a few minutes on 2 CPU cores (about ten measured on a busy shared machine)
    "stand-in-tiny": Recipe("stand-in-tiny", vocab_size=1024, n_layer=2, n_embd=128, n_head=4, context=320,
                            per_format=300, max_words=40, steps=200, batch_size=16, learning_rate=3e-3,
                            warmup_steps=20),
    # cpu profile: a bigger model on more data (about 25 minutes measured on a busy 2-core machine)
    "stand-in": Recipe("stand-in", vocab_size=2048, n_layer=3, n_embd=160, n_head=4, context=320,
                       per_format=800, max_words=50, steps=400, batch_size=16, learning_rate=2e-3,
                       warmup_steps=40),
}
