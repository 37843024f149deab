"""Fuzzy dedup tokenises exactly as rapidfuzz's token_set_ratio and removes what all pairs would."""

import sys
import unicodedata

import numpy as np
import pytest
from rapidfuzz import fuzz

from synthlib.filters.fuzzy import (
    RAPIDFUZZ_SEPARATORS,
    FuzzyDedup,
    all_pairs_reference,
    rapidfuzz_tokens,
    similar_pairs,
)
from synthlib.filters.fuzzy_containment import containment_pairs
from synthlib.filters.fuzzy_tokens import unique_tokens

RHINE = "The river Rhine flows 1 233 km from the Swiss Alps to the North Sea near Rotterdam in the Netherlands"
# the same sentence as Wikipedia writes it, with no-break spaces: rapidfuzz keeps "1\xa0233" one token
RHINE_NBSP = "The river Rhine flows 1\xa0233 km\xa0from the\xa0Swiss Alps\xa0to the North Sea Rotterdam in\xa0the\xa0Netherlands"


def test_separators_are_exactly_the_ones_rapidfuzz_splits_at():
    candidates = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF
                  and (chr(c).isspace() or unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp", "Cc", "Cf"))]
    splits = {c for c in candidates if fuzz.token_set_ratio(f"ab{chr(c)}cd", "cd ab") == 100
              and fuzz.token_set_ratio(f"ab{chr(c)}cd", "abcd") < 100}
    assert splits == {ord(c) for c in RAPIDFUZZ_SEPARATORS}
    assert "\u00a0" not in RAPIDFUZZ_SEPARATORS and "\u0085" not in RAPIDFUZZ_SEPARATORS
    assert rapidfuzz_tokens("a\u00a0b\tc  d\n") == ["a\u00a0b", "c", "d"]
    assert rapidfuzz_tokens("a\u00a0b\u2009c") == ["a", "b", "c"]  # a wide string: see the next test


def test_no_break_space_splits_only_in_text_with_a_code_point_above_latin1():
    # rapidfuzz reads such strings with wider characters, whose whitespace table has U+0085 and U+00A0
    for wide in ("Москва", "東京", "\U0001F600"):
        for separator in ("\xa0", "\x85"):
            text = f"{wide} model{separator}river"
            assert fuzz.token_set_ratio("model", text) == 100
            assert rapidfuzz_tokens(text) == [wide, "model", "river"]
    assert fuzz.token_set_ratio("model", "straße model\xa0river") < 100
    assert rapidfuzz_tokens("straße model\xa0river") == ["straße", "model\xa0river"]
    texts = ["Москва", "city\xa0of\xa0東京\xa0Москва", "model", "straße\xa0history\xa0model", "Ελλάδα\xa0model", ""]
    found = set(zip(*similar_pairs(texts)[:2], strict=False))
    assert found == all_pairs_reference(texts) == {(0, 1), (2, 4)}


def test_no_break_spaces_do_not_turn_a_non_duplicate_into_a_duplicate():
    assert fuzz.token_set_ratio(RHINE, RHINE_NBSP) < 85  # str.split() tokens would score it 100
    texts = [RHINE, RHINE_NBSP, RHINE.replace(" ", "\u00a0", 3), RHINE + " again", ""]
    found = set(zip(*similar_pairs(texts)[:2], strict=False))
    assert found == all_pairs_reference(texts) and (0, 3) in found and (0, 1) not in found


def test_scores_at_the_threshold_are_ties_not_duplicates_and_empty_texts_match_nothing():
    exactly = ("abcdefghijklmnopqrst", "abXdefgYijklmnoZqrst")
    assert fuzz.token_set_ratio(*exactly) == 85.0
    texts = [*exactly, "", "   ", "\u00a0", "abcdefghijklmnopqrsu"]
    assert set(zip(*similar_pairs(texts)[:2], strict=False)) == all_pairs_reference(texts) == {(0, 5)}
    kept, report = FuzzyDedup(fields=None).apply(list(texts))
    assert len(kept) == 5 and report.reasons == {"near_duplicate": 1}


def _greedy_removed(n: int, pairs: set[tuple[int, int]]) -> set[int]:
    """FuzzyDedup's rule on a pair set: in input order, drop j if an earlier kept partner exists."""
    dropped: set[int] = set()
    for j in range(n):
        if any(i not in dropped for i, jj in pairs if jj == j):
            dropped.add(j)
    return dropped


@pytest.fixture(scope="module")
def wiki_typo_texts(mirror):
    import gzip
    import json

    from synthlib.filters.workload import near_duplicate_texts

    texts = []
    with gzip.open(mirror / "corpus" / "wikipedia_en_sample.jsonl.gz", "rt") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            if len(texts) >= 400:
                break
    return near_duplicate_texts(texts, 600, words=40, seed=5, typo_share=0.5, typo_rate=0.9, typo_copies=2)


def test_removed_set_equals_the_all_pairs_reference_on_wikipedia_text_with_typo_variants(wiki_typo_texts):
    texts = wiki_typo_texts
    reference = all_pairs_reference(texts)
    tokens_only = set(zip(*containment_pairs([unique_tokens(t) for t in texts], exact=False), strict=False))
    assert len(reference - tokens_only) >= 10, "the workload should hold typo pairs that shared tokens alone miss"
    i, j, scores, checked = similar_pairs(texts)
    assert set(zip(i.tolist(), j.tolist(), strict=False)) == reference
    assert checked < 0.1 * len(texts) ** 2 / 2
    samples = [{"text": t} for t in texts]
    kept, _ = FuzzyDedup().apply(samples)
    kept_ids = {id(s) for s in kept}
    removed = {k for k, s in enumerate(samples) if id(s) not in kept_ids}
    assert removed == _greedy_removed(len(texts), reference)
    assert np.all(scores > 85)
