"""Byte-level BPE tokenizers trained locally with ``tokenizers`` (no hub needed).

Used by the stand-in teacher (trained on its own instruction text) and by the tiny random test
models (trained on a fixed built-in paragraph, so they are identical on every machine).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

SPECIALS = {"pad_token": "<|pad|>", "bos_token": "<|bos|>", "eos_token": "<|eos|>", "unk_token": "<|unk|>"}

_BUILTIN_TEXT = """\
[keywords] river, city, flood, rain, council
[summary] Heavy rain flooded the river city, and the council opened shelters.
[q1] Did the river flood? [a1] yes
{"question": "Is water wet?", "options": ["A. Yes", "B. No"], "answer": "A."}
[label] positive [text] A warm, funny and moving film with a great cast.
[label] negative [text] The plot is thin and the acting is flat.
[premise] A man plays a guitar on stage. [hypothesis] A person makes music. [label] entailment
[question] Tom has 3 apples and buys 5 more. How many apples does he have? [answer] 8
Write a function to find the largest number in a list of integers.
The quick brown fox jumps over the lazy dog. 0 1 2 3 4 5 6 7 8 9 yes no
"""


def train_bpe(texts: Iterable[str], vocab_size: int, min_frequency: int = 2):
    """Train a byte-level BPE on ``texts``; return a transformers ``PreTrainedTokenizerFast``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE(unk_token=SPECIALS["unk_token"]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=list(SPECIALS.values()),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    core.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=core, **SPECIALS)


@functools.lru_cache(maxsize=1)
def builtin_tokenizer():
    """A 400-token BPE trained on a fixed paragraph: deterministic, offline, for tiny test models."""
    return train_bpe([_BUILTIN_TEXT] * 4, vocab_size=400, min_frequency=1)
