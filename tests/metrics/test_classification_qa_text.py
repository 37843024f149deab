"""Metrics against references: scikit-learn, hand-computed SQuAD cases, rouge-score by hand."""

import math

import pytest

from synthlib.metrics.classification import accuracy, macro_f1
from synthlib.metrics.qa import exact_match, normalize_answer, squad_scores, token_f1
from synthlib.metrics.text import keyword_inclusion, lexical_diversity, ngram_contamination, rouge_l, weighted_jaccard


def test_accuracy_and_macro_f1_hand_computed():
    predictions, labels = [0, 1, 1, 0, 2], [0, 1, 0, 0, 2]
    assert accuracy(predictions, labels) == pytest.approx(0.8)
    # class 0: P=1, R=2/3 -> F1=0.8; class 1: P=1/2, R=1 -> 2/3; class 2: 1.0
    assert macro_f1(predictions, labels) == pytest.approx((0.8 + 2 / 3 + 1.0) / 3)
    with pytest.raises(ValueError, match="aligned"):
        accuracy([0], [0, 1])


def test_squad_normalisation_and_scores():
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert normalize_answer("an apple and a pear") == "apple and pear"
    assert exact_match("the Denver Broncos", ["Denver Broncos", "Broncos"]) == 1.0
    assert exact_match("Denver", ["Denver Broncos"]) == 0.0
    # prediction "denver broncos win" vs gold "denver broncos": P=2/3, R=1, F1=0.8
    assert token_f1("Denver Broncos win", ["Denver Broncos"]) == pytest.approx(0.8)
    assert token_f1("Carolina", ["Denver Broncos", "Carolina Panthers"]) == pytest.approx(2 / 3)
    assert token_f1("a", ["b"]) == 0.0
    # an answer that normalises to nothing: exact match 1, F1 0 (the v1.1 script's scores)
    assert exact_match("", ["The"]) == 1.0 and token_f1("", ["The"]) == 0.0 and token_f1("", [""]) == 0.0
    scores = squad_scores(["Denver Broncos", "x"], [["Denver Broncos"], ["y"]])
    assert scores == {"exact_match": 50.0, "f1": 50.0}
    with pytest.raises(ValueError, match="wrap a single answer"):
        exact_match("Denver", "Denver")  # a bare string would be scored character by character
    with pytest.raises(ValueError, match="non-empty list"):
        token_f1("Denver", [])


def _v11_normalise(text):
    """The SQuAD v1.1 steps spelled out one by one: lower, drop punctuation, drop articles, split."""
    import re
    import string

    lowered = text.lower()
    kept = "".join(ch for ch in lowered if ch not in string.punctuation)
    return re.sub(r"\b(a|an|the)\b", " ", kept).split()


def _v11_f1(prediction, gold):
    shared = 0
    remaining = list(_v11_normalise(gold))
    predicted = _v11_normalise(prediction)
    for token in predicted:
        if token in remaining:
            remaining.remove(token)
            shared += 1
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(_v11_normalise(gold))
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("prediction, golds", [
    ("Zürich  Hauptbahnhof", ["zürich hauptbahnhof", "Zürich"]),  # non-ASCII, case, double space
    ("\tthe the   the\n", ["The"]),                               # only articles and odd whitespace
    ("in 1848, the Swiss", ["1848", "the Swiss in 1848"]),          # punctuation, token order
    ("New York New York", ["New York"]),                            # repeated tokens: counts clip
    ("anthem", ["an them", "Anthem."]),                              # 'an' inside a word is no article
    ("l'été à Genève", ["lété", "Genève"]),                          # apostrophe dropped, accents kept
    ("", ["Paris"]), ("Paris", ["   "]),
])
def test_squad_scores_match_a_spelled_out_v11_reference(prediction, golds):
    expected_em = float(any(_v11_normalise(prediction) == _v11_normalise(g) for g in golds))
    assert exact_match(prediction, golds) == expected_em
    assert token_f1(prediction, golds) == pytest.approx(max(_v11_f1(prediction, g) for g in golds))


def test_rouge_l_matches_a_hand_computed_lcs():
    # LCS("the cat sat on the mat", "the cat lay on the mat") = 5 tokens; P = R = 5/6
    assert rouge_l(["the cat sat on the mat"], ["the cat lay on the mat"], use_stemmer=False) == pytest.approx(5 / 6)
    assert rouge_l(["completely different"], ["nothing shared here"]) == 0.0


def test_keyword_inclusion_is_case_insensitive_and_whole_word():
    summary = "NASA launched the Artemis rocket on Monday."
    assert keyword_inclusion(summary, ["nasa", "Artemis rocket", "moon", "monday", "art"]) == pytest.approx(3 / 5)


@pytest.mark.parametrize(("summary", "keywords", "share"), [
    ("TIM COOK leads Apple.", ["tim cook", "apple"], 1.0),  # case on both sides
    ("Apple's chief, Tim Cook, spoke.", ["Apple", "Tim Cook"], 1.0),  # possessive and commas around a phrase
    ("Officials in the U.S. agreed.", ["U.S.", "officials"], 1.0),  # dots inside a keyword
    ("A well-known firm.", ["well known", "well-known"], 1.0),  # hyphen and space are the same separator
    ("Cook met Tim at noon.", ["Tim Cook"], 0.0),  # a multi-word keyword must keep its word order
    ("Tim spoke; Cook listened.", ["Tim Cook"], 0.0),  # ... and its words must be adjacent
    ("Pineapple sales rose.", ["Apple", "sale"], 0.0),  # whole words only, no stemming
    ("", ["--", "?"], 0.0),  # a keyword without word characters is never found, even in an empty summary
    ("Jobs, Cook and Apple.", ["jobs", "cook", "apple", "ipad", "maps"], 0.6),
])
def test_keyword_inclusion_hand_cases(summary, keywords, share):
    assert keyword_inclusion(summary, keywords) == pytest.approx(share)


def test_keyword_inclusion_needs_keywords():
    with pytest.raises(ValueError, match="no keywords"):
        keyword_inclusion("a summary", [])


def test_lexical_diversity():
    assert lexical_diversity(["the cat", "the dog"]) == pytest.approx(3 / 4)


def test_thirteen_gram_contamination_ignores_punctuation_and_digits():
    test = ["one two three four five six seven eight nine ten eleven twelve thirteen fourteen"]
    leaked = "One, two three 4 four five six seven eight nine ten eleven twelve thirteen!"
    clean = "one two three four five six seven eight nine ten eleven twelve"
    assert ngram_contamination([leaked, clean], test) == 0.5


def test_weighted_jaccard_of_five_gram_counts():
    a = ["a b c d e f"]  # 5-grams: abcde, bcdef
    b = ["a b c d e", "a b c d e"]  # abcde x2
    # min: abcde 1; max: abcde 2 + bcdef 1 = 3
    assert weighted_jaccard(a, b) == pytest.approx(1 / 3)
    assert weighted_jaccard(["x y"], ["z"]) == 0.0
    assert not math.isnan(weighted_jaccard(a, a)) and weighted_jaccard(a, a) == 1.0
