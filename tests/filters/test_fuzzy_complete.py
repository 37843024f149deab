"""Fuzzy dedup's blocking is complete: attacks on its two proofs, each checked against all pairs.

The hard case is a pair that matches through the Indel ratio with (almost) no shared token:
copies with two or three typos in every word, copies of copies, texts in Greek or Cyrillic, no-break
spaces. Every test compares with rapidfuzz ``cdist`` over all pairs, or with a direct computation of
the quantity a proof bounds.
"""

import random
from collections import Counter

import numpy as np
import pytest
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

from synthlib.filters import fuzzy_bigrams
from synthlib.filters.fuzzy import FuzzyDedup, candidate_pairs, similar_pairs
from synthlib.filters.fuzzy_bigrams import bigram_pairs, bigram_profiles, length_compatible, min_bigram_overlap
from synthlib.filters.fuzzy_containment import containment_pairs
from synthlib.filters.fuzzy_tokens import unique_tokens

ALPHABETS = {"latin": "etaoinshrdlucmfwyp", "greek": "αβγδεζηθικλμνξοπρστυφχψω",
             "cyrillic": "абвгдежзиклмнопрстуфхцчшщ", "accented": "aeiouéèüößçñ"}
SEPARATORS = [" ", " ", " ", "\xa0", "\u2009", "\t", "\n ", "  "]


def _typos(word: str, edits: int, letters: str, rng: random.Random) -> str:
    """``word`` with ``edits`` random one-character edits (substitute, delete, insert, swap)."""
    for _ in range(edits):
        p = rng.randrange(len(word) + 1)
        kind = rng.choice(("substitute", "delete", "insert", "swap"))
        if kind == "insert" or not word:
            word = word[:p] + rng.choice(letters) + word[p:]
        elif kind == "delete" and len(word) > 1:
            word = word[:p] + word[p + 1:]
        elif kind == "swap" and p + 1 < len(word):
            word = word[:p] + word[p + 1] + word[p] + word[p + 2:]
        else:
            p = min(p, len(word) - 1)
            word = word[:p] + rng.choice(letters) + word[p + 1:]
    return word


def _join(words: list[str], rng: random.Random) -> str:
    return "".join(word + rng.choice(SEPARATORS) for word in words).strip(" ")


def adversarial_texts(seed: int) -> list[str]:
    """Families of heavy-typo copies (and copies of copies) in four scripts, plus degenerate texts."""
    rng = random.Random(seed)
    texts = ["", " ", "\xa0\xa0", "a", "b", "ab", "ba", "a b", "b a", "x" * 3000, "x" * 2999 + "y"]
    for family in range(14):
        letters = ALPHABETS[list(ALPHABETS)[family % 4]]
        n_words = rng.choice([1, 1, 2, 3, 8, 20, 60])
        base = ["".join(rng.choice(letters) for _ in range(rng.choice([2, 4, 7, 10, 14]))) for _ in range(n_words)]
        members = [base]
        for _ in range(rng.randint(2, 6)):
            parent = rng.choice(members)  # copies of copies: their words drift apart
            edits = rng.choice([1, 2, 2, 3])
            members.append([_typos(w, edits if rng.random() < 0.9 else 0, letters, rng) for w in parent])
        texts += [_join(words, rng) for words in members]
    rng.shuffle(texts)
    return texts


def _reference(texts_a: list[str], texts_b: list[str] | None = None, threshold: float = 85.0) -> set:
    matrix = cdist(texts_a, texts_a if texts_b is None else texts_b, scorer=fuzz.token_set_ratio, dtype=np.float32)
    hits = np.triu(matrix > threshold, k=1) if texts_b is None else matrix > threshold
    return {(int(i), int(j)) for i, j in zip(*np.nonzero(hits), strict=True)}


def _pairs(i, j) -> set:
    return set(zip(i.tolist(), j.tolist(), strict=True))


def _parts(a: set[str], b: set[str]):
    """rapidfuzz's pieces of token_set_ratio: Indel distance of the one-side strings, and N."""
    d_a, d_b = " ".join(sorted(a - b)), " ".join(sorted(b - a))
    shared = len(" ".join(a & b)) + 1 if a & b else 0
    return Indel.distance(d_a, d_b), 2 * shared + len(d_a) + len(d_b)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return adversarial_texts(seed=3) + adversarial_texts(seed=4)


def test_profiles_are_the_padded_token_bigrams_on_any_script():
    token_lists = [["Ελλάδα", "Москва"], ["a"], [], ["model\xa0river", "x"], ["😀😀😀", "\ud800z"], ["aaaa", "aa"]]
    profiles, weights = bigram_profiles(token_lists)
    expected = [Counter(p[k:k + 2] for token in tokens for p in [f" {token} "] for k in range(len(p) - 1))
                for tokens in token_lists]
    assert weights.tolist() == [sum(c.values()) for c in expected] == [14, 2, 0, 14, 7, 8]
    overlap = (profiles @ profiles.T).toarray()
    for x, cx in enumerate(expected):
        for y, cy in enumerate(expected):
            assert overlap[x, y] == sum((cx & cy).values())  # dot product == multiset intersection


def test_overlap_bound_holds_for_every_pair_that_passes_through_the_indel_ratio(texts):
    tokens = [unique_tokens(t) for t in texts]
    profiles, weights = bigram_profiles(tokens)
    overlap = (profiles @ profiles.T).toarray()
    checked = no_shared_token = 0
    for threshold in (85.0, 70.0, 95.0):
        for x in range(len(texts)):
            for y in range(x + 1, len(texts)):
                a, b = set(tokens[x]), set(tokens[y])
                if not a or not b or a <= b or b <= a:
                    continue  # no tokens (score 0), or containment / equal sets (score 100, part one)
                d, n = _parts(a, b)
                if 100 - 100 * d / n > threshold:
                    checked += 1
                    no_shared_token += not (a & b)
                    assert overlap[x, y] >= min_bigram_overlap(weights[x], weights[y], threshold)
                    assert length_compatible(weights[x], weights[y], threshold)
    assert checked > 100 and no_shared_token > 20  # the hard case is really there


def test_bound_is_tight_an_exact_tie_sits_on_it():
    # isolated deletions change exactly three bigrams each: the bound cannot be raised
    word = "abcdefghijklmnopqrstuvw"  # 23 distinct letters: every bigram unique
    five = "".join(c for k, c in enumerate(word) if k not in (3, 7, 11, 15, 19))
    six = "".join(c for k, c in enumerate(word) if k not in (3, 7, 11, 15, 19, 22))
    assert fuzz.token_set_ratio(word, six) == 85.0  # d = 6, N = 40: a tie, not a duplicate
    assert fuzz.token_set_ratio(word, five) > 85.0
    profiles, weights = bigram_profiles([[word], [six], [five]])
    overlap = (profiles @ profiles.T).toarray()
    assert overlap[0, 1] == pytest.approx(float(min_bigram_overlap(weights[0], weights[1], 85.0)), abs=1e-4)
    assert _pairs(*similar_pairs([word, six, five])[:2]) == _reference([word, six, five]) == {(0, 2), (1, 2)}


def test_bigram_join_returns_exactly_the_pairs_the_bound_admits(texts, monkeypatch):
    tokens = [unique_tokens(t) for t in texts]
    profiles, weights = bigram_profiles(tokens)
    overlap = (profiles @ profiles.T).toarray()
    for threshold in (85.0, 60.0):
        admitted = {(x, y) for x in range(len(texts)) for y in range(x + 1, len(texts))
                    if weights[x] and weights[y] and length_compatible(weights[x], weights[y], threshold)
                    and overlap[x, y] >= min_bigram_overlap(weights[x], weights[y], threshold) - 1e-3}
        for share in (1e-9, 1000, 1e12):  # all sparse, the default split, all dense
            monkeypatch.setattr(fuzzy_bigrams, "DENSE_SHARE", share)
            assert _pairs(*bigram_pairs(tokens, threshold=threshold)) == admitted
        half = len(tokens) // 2
        across = {(x, y - half) for x, y in admitted if x < half <= y}
        assert _pairs(*bigram_pairs(tokens[:half], tokens[half:], threshold=threshold)) == across


@pytest.mark.parametrize("threshold", [85.0, 70.0, 95.0, 99.0])
def test_similar_pairs_equal_all_pairs_on_adversarial_texts(texts, threshold):
    reference = _reference(texts, threshold=threshold)
    assert len(reference) > 20
    assert _pairs(*candidate_pairs(texts, threshold=threshold)) >= reference
    i, j, scores, _ = similar_pairs(texts, threshold=threshold)
    assert _pairs(i, j) == reference and (scores > threshold).all()
    half = len(texts) // 2
    assert _pairs(*similar_pairs(texts[:half], texts[half:], threshold)[:2]) == \
        _reference(texts[:half], texts[half:], threshold)


def test_dedup_removes_what_all_pairs_would_remove(texts):
    reference = _reference(texts)
    dropped: set[int] = set()
    for j in range(len(texts)):  # FuzzyDedup's rule on the reference pairs
        if any(i not in dropped for i, jj in reference if jj == j):
            dropped.add(j)
    kept, report = FuzzyDedup(fields=None).apply(list(texts))
    assert [t for k, t in enumerate(texts) if k not in dropped] == kept
    assert report.reasons["near_duplicate"] == len(dropped) > 10


def test_copies_with_two_substitutions_per_word_share_no_token_yet_are_found():
    # each copy substitutes one letter per word at a different place: the copies differ by two
    # substitutions in every word, share no token and no one-edit neighbour, and still score > 85
    rng = random.Random(0)
    words = ["".join(rng.choice("etaoinshrdlu") for _ in range(16)) for _ in range(12)]
    first = " ".join(w[:2] + "X" + w[3:] for w in words)
    second = " ".join(w[:12] + "Y" + w[13:] for w in words)
    to_greek = str.maketrans("etaoinshrdlu", "εταοινσηρδλυ")
    texts = [first, "unrelated words here", second, first.translate(to_greek), second.translate(to_greek)]
    assert fuzz.token_set_ratio(first, second) > 85
    assert not set(first.split()) & set(second.split())
    assert (0, 2) not in _pairs(*containment_pairs([unique_tokens(t) for t in texts], exact=False))
    assert _pairs(*similar_pairs(texts)[:2]) == _reference(texts) and (0, 2) in _reference(texts)


def test_three_typos_in_every_long_word_and_very_long_texts():
    rng = random.Random(1)
    letters = ALPHABETS["cyrillic"]
    words = ["".join(rng.choice(letters) for _ in range(40)) for _ in range(300)]
    texts = [" ".join(words), "\xa0".join(_typos(w, 3, letters, rng) for w in words),
             " ".join(_typos(w, 2, letters, rng) for w in words), " ".join(words[:150]), words[0]]
    reference = _reference(texts)
    assert {(0, 1), (0, 2), (0, 3), (0, 4), (3, 4)} <= reference  # the no-break spaces split (Cyrillic text)
    assert _pairs(*similar_pairs(texts)[:2]) == reference


def test_ratio_one_ties_at_the_threshold_are_not_duplicates():
    # W_x = 24 with 18 shared: ratio 1 = 1 - 6/40 = 85 exactly; one letter less on the extra token: above
    shared = "aaaaaaaa bbbbbbbb"
    texts = [f"{shared} ccccc", f"{shared} zzzzzzzzzzzzzzzzzzzz", f"{shared} cccc"]
    assert fuzz.token_set_ratio(texts[0], texts[1]) == 85.0 < fuzz.token_set_ratio(texts[2], texts[1])
    assert _pairs(*similar_pairs(texts)[:2]) == _reference(texts) == {(0, 2), (1, 2)}


def test_thresholds_outside_the_score_range_are_refused():
    for threshold in (-1, 100.5):
        with pytest.raises(ValueError, match="0..100"):
            similar_pairs(["a b", "a c"], threshold=threshold)


def test_many_small_corpora_at_thresholds_from_zero_to_one_hundred():
    rng = random.Random(7)
    for seed in range(24):
        texts = adversarial_texts(seed)[:50]
        threshold = rng.choice([0.0, 30.0, 50.0, 66.7, 80.0, 85.0, 90.0, 97.5, 100.0])
        assert _pairs(*similar_pairs(texts, threshold=threshold)[:2]) == _reference(texts, threshold=threshold), \
            (seed, threshold)
