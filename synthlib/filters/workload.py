"""A realistic near-duplicate workload for testing and benchmarking fuzzy dedup.

Teacher-written sets hold near-copies: the same sample with a few words changed, added, dropped
or swapped, a typo, other casing or punctuation, or cut short. :func:`near_duplicate_texts` makes
such a set from human text: windows of ``words`` words cut from the source texts, and a share of
variants of earlier samples with 1 to ``max_edits`` random edits, so similarity scores spread
across the 85 threshold. With ``typo_share`` > 0 a share of the variants are instead *typo
variants* (:func:`typo_variant`): a typo in many of the words at once, the spelling variants that
share few whole tokens with their original. With ``typo_copies`` = 2 each such original gets two
independent typo variants, heavy-typo copies *of each other* whose words differ by two edits.
"""

from __future__ import annotations

import random
import re

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


def typo_variant(text: str, rate: float, rng: random.Random) -> str:
    """``text`` with a one-character typo (substitution, deletion, insertion or swap) in each word of
    three or more characters with probability ``rate``; whitespace between words is kept."""
    parts = re.split(r"(\s+)", text)
    for k in range(0, len(parts), 2):
        word = parts[k]
        if len(word) < 3 or rng.random() >= rate:
            continue
        p = rng.randrange(1, len(word) - 1)
        kind = rng.choice(("substitute", "delete", "insert", "swap"))
        letter = rng.choice("aeioustnrl")
        parts[k] = {"substitute": word[:p] + letter + word[p + 1:], "delete": word[:p] + word[p + 1:],
                    "insert": word[:p] + letter + word[p:],
                    "swap": word[:p] + word[p + 1] + word[p] + word[p + 2:]}[kind]
    return "".join(parts)


def near_duplicate_texts(source_texts: list[str], n: int, words: int = 40, variant_share: float = 0.5,
                         max_edits: int = 12, seed: int = 0, typo_share: float = 0.0,
                         typo_rate: float = 0.8, typo_copies: int = 1) -> list[str]:
    """``n`` texts of about ``words`` words: originals plus a ``variant_share`` of edited near-copies,
    of which a ``typo_share`` are typo variants (a typo in each word with probability ``typo_rate``,
    ``typo_copies`` of them from each original chosen for them)."""
    return near_duplicate_workload(source_texts, n, words, variant_share, max_edits, seed, typo_share, typo_rate,
                                   typo_copies)[0]


def near_duplicate_workload(source_texts: list[str], n: int, words: int = 40, variant_share: float = 0.5,
                            max_edits: int = 12, seed: int = 0, typo_share: float = 0.0,
                            typo_rate: float = 0.8, typo_copies: int = 1) -> tuple[list[str], list[str]]:
    """:func:`near_duplicate_texts` and the kind of each text: ``original``, ``edited`` or ``typo``."""
    rng = random.Random(seed)
    n_original = max(1, round(n * (1 - variant_share)))
    originals = text_windows(source_texts, words, n_original, seed)
    if len(originals) < n_original:
        raise ValueError(f"the source texts give only {len(originals)} windows of {words} words; need {n_original}")
    vocabulary = sorted({w for text in originals for w in text.split()})
    texts, kinds = list(originals), ["original"] * len(originals)
    # typo_copies variants per chosen original: two heavy-typo copies of one text differ by two edits
    # in most words and share almost no whole token (the hard case for blocking, synthlib.filters.fuzzy)
    n_typo = min(round((n - n_original) * typo_share), n - len(texts), len(originals) * typo_copies)
    chosen = rng.sample(originals, -(-n_typo // typo_copies))
    texts += [typo_variant(original, typo_rate, rng) for original in chosen for _ in range(typo_copies)][:n_typo]
    kinds += ["typo"] * n_typo
    while len(texts) < n:
        tokens = rng.choice(texts).split()
        for _ in range(rng.randint(1, max_edits)):
            tokens = _edit(tokens, rng.choice(EDITS), vocabulary, rng)
        texts.append(" ".join(tokens))
        kinds.append("edited")
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[k] for k in order], [kinds[k] for k in order]
