"""A realistic near-duplicate workload for testing and benchmarking fuzzy dedup.

Teacher-written sets hold near-copies: the same sample with a few words changed, added, dropped
or swapped, a typo, other casing or punctuation, or cut short. :func:`near_duplicate_texts` makes
such a set from human text: windows of ``words`` words cut from the source texts, and a share of
variants of earlier samples with 1 to ``max_edits`` random edits, so similarity scores spread
across the 85 threshold.
"""

from __future__ import annotations

import random

EDITS = ("delete", "insert", "substitute", "swap", "typo", "case", "punctuation", "truncate")


def text_windows(texts: list[str], words: int, limit: int, seed: int = 0) -> list[str]:
    """Up to ``limit`` distinct windows of ``words`` consecutive words from ``texts`` (seeded)."""
    rng = random.Random(seed)
    windows, seen = [], set()
    for text in texts:
        tokens = text.split()
        for start in range(0, len(tokens) - words + 1, words * 3):
            window = " ".join(tokens[start:start + words])
            if window not in seen:
                seen.add(window)
                windows.append(window)
        if len(windows) >= limit * 2:
            break
    rng.shuffle(windows)
    return windows[:limit]


def _edit(tokens: list[str], kind: str, vocabulary: list[str], rng: random.Random) -> list[str]:
    tokens = list(tokens)
    k = rng.randrange(len(tokens))
    if kind == "delete" and len(tokens) > 3:
        del tokens[k]
    elif kind == "insert":
        tokens.insert(k, rng.choice(vocabulary))
    elif kind == "substitute":
        tokens[k] = rng.choice(vocabulary)
    elif kind == "swap" and k + 1 < len(tokens):
        tokens[k], tokens[k + 1] = tokens[k + 1], tokens[k]
    elif kind == "typo" and len(tokens[k]) > 2:
        word = tokens[k]
        p = rng.randrange(1, len(word))
        tokens[k] = word[:p] + rng.choice("aeiourstnl") + word[p + 1:] if rng.random() < 0.5 else word[:p] + word[p + 1:]
    elif kind == "case":
        tokens[k] = tokens[k].upper() if tokens[k].islower() else tokens[k].lower()
    elif kind == "punctuation":
        tokens[k] = tokens[k] + rng.choice(",.;:!?")
    elif kind == "truncate":
        tokens = tokens[: max(3, int(len(tokens) * rng.uniform(0.6, 0.95)))]
    return tokens


def near_duplicate_texts(source_texts: list[str], n: int, words: int = 40, variant_share: float = 0.5,
                         max_edits: int = 12, seed: int = 0) -> list[str]:
    """``n`` texts of about ``words`` words: originals plus a ``variant_share`` of edited near-copies."""
    rng = random.Random(seed)
    n_original = max(1, round(n * (1 - variant_share)))
    originals = text_windows(source_texts, words, n_original, seed)
    if len(originals) < n_original:
        raise ValueError(f"the source texts give only {len(originals)} windows of {words} words; need {n_original}")
    vocabulary = sorted({w for text in originals for w in text.split()})
    texts = list(originals)
    while len(texts) < n:
        tokens = rng.choice(texts).split()
        for _ in range(rng.randint(1, max_edits)):
            tokens = _edit(tokens, rng.choice(EDITS), vocabulary, rng)
        texts.append(" ".join(tokens))
    rng.shuffle(texts)
    return texts
