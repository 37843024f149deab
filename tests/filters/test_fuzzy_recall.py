"""Blocked fuzzy dedup finds exactly the pairs all-pairs rapidfuzz finds (recall 100%, precision 100%)."""

import pytest

from synthlib.filters.fuzzy import all_pairs_reference, candidate_pairs, min_prefix_fraction, similar_pairs
from synthlib.filters.workload import near_duplicate_texts


@pytest.fixture(scope="module")
def news_texts(mirror):
    import gzip
    import json

    texts = []
    with gzip.open(mirror / "corpus" / "wikinews_en.jsonl.gz", "rt") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            if len(texts) >= 3000:
                break
    return texts


@pytest.mark.slow
def test_blocked_pairs_equal_all_pairs_on_1k_near_duplicates(news_texts):
    texts = near_duplicate_texts(news_texts, 1000, seed=11)
    reference = all_pairs_reference(texts)
    assert len(reference) > 200  # the workload really has near-duplicates to find
    i, j, scores, checked = similar_pairs(texts)
    found = set(zip(i.tolist(), j.tolist(), strict=False))
    assert found == reference
    assert checked < 0.05 * len(texts) ** 2 / 2  # blocking scored under 5% of all pairs
    assert (scores > 85).all()


def test_containment_pairs_are_always_candidates():
    # a token subset scores 100 whatever the lengths; blocking must propose it
    long = " ".join(f"word{k}" for k in range(60))
    texts = [long, "word3 word40", "unrelated text entirely", long.upper()]
    i, j = candidate_pairs(texts, prefix_fraction=min_prefix_fraction(85))
    candidates = set(zip(i.tolist(), j.tolist(), strict=False))
    assert (0, 1) in candidates
    assert (0, 3) not in candidates  # rapidfuzz compares case: no shared token, and no bigram in common
    assert set(zip(*similar_pairs(texts)[:2], strict=False)) == all_pairs_reference(texts)
    with pytest.raises(ValueError, match="prefix_fraction"):
        similar_pairs(texts, prefix_fraction=0.1)


def test_cross_list_pairs_match_brute_force():
    from rapidfuzz import fuzz
    from rapidfuzz.process import cdist

    a = ["the cat sat on the mat", "dogs bark at night loudly", "a b c d e f g"]
    b = ["The cat sat on the mat.", "dogs bark at night", "zzz yyy"]
    i, j, scores, _ = similar_pairs(a, b)
    matrix = cdist(a, b, scorer=fuzz.token_set_ratio)
    expected = {(x, y) for x in range(3) for y in range(3) if matrix[x, y] > 85}
    assert set(zip(i.tolist(), j.tolist(), strict=False)) == expected and expected
