"""Each filter counts every rejection; the pipeline merges the counts."""

import json

import pytest

from synthlib.filters import (
    Diversify,
    ExactDedup,
    FilterPipeline,
    FuzzyDedup,
    LengthFilter,
    NgramDecontaminator,
    SchemaFilter,
)
from synthlib.filters.decontaminate import normalise_words, word_ngrams


def test_exact_dedup_keeps_the_first_and_ignores_whitespace():
    samples = [{"text": "a b"}, {"text": "a  b\n"}, {"text": "a c"}, {"text": "a b"}]
    kept, report = ExactDedup().apply(samples)
    assert kept == [{"text": "a b"}, {"text": "a c"}]
    assert report.reasons == {"exact_duplicate": 2} and report.check().n_rejected == 2


def test_length_filter_counts_short_and_long():
    samples = ["one", "one two three", "one two three four five six", "x" * 50]
    kept, report = LengthFilter(min_words=2, max_words=5, max_chars=40, fields=None).apply(samples)
    assert kept == ["one two three"]
    assert report.reasons == {"too_short": 2, "too_long": 1}  # "x"*50 is one word: too short first


def test_schema_filter_parses_and_names_each_failure():
    outputs = [
        '{"question": "Q?", "options": ["a", "b"], "answer": "A"}',
        'Sure! ```json\n{"question": "Q2?", "options": ["a"], "answer": "B"}\n``` hope it helps',
        '{"question": "Q3?", "answer": "A"}',
        '{"question": "Q4?", "options": "a, b", "answer": "A"}',
        '{"question": "Q5?", "options": ["a"], "answer": "E"}',
        'not json at all',
        '[1, 2]',
    ]
    samples = [{"id": k, "output": o} for k, o in enumerate(outputs)]
    f = SchemaFilter(required={"question": "str", "options": "list", "answer": "str"},
                     allowed={"answer": ["A", "B", "C", "D"]})
    kept, report = f.apply(samples)
    assert [s["id"] for s in kept] == [0, 1] and kept[1]["question"] == "Q2?"
    assert report.reasons == {"missing_key": 1, "bad_type": 1, "bad_label": 1, "bad_json": 2}
    with pytest.raises(ValueError, match="unknown type names"):
        SchemaFilter(required={"x": "string"})


def test_ngram_decontamination_ignores_case_punctuation_and_digits():
    eval_text = "The 3 quick brown foxes jumped over 12 lazy dogs near the river bank, twice in one day."
    words = normalise_words(eval_text)
    assert "3" not in words and "bank" in words and len(word_ngrams(eval_text)) == len(words) - 12
    samples = [
        {"text": "Intro. THE QUICK brown foxes jumped over lazy dogs near the river-bank twice in one day! End"},
        {"text": "the quick brown foxes jumped over lazy dogs near the river bank"},  # 12 words only
        {"text": "quick brown foxes jumped over lazy dogs near the river bank twice in"},  # 13 words, inside
        {"text": "completely unrelated sentence with enough words to form many thirteen word grams here ok"},
    ]
    kept, report = NgramDecontaminator([eval_text]).apply(samples)
    assert [s["text"][:5] for s in kept] == ["the q", "compl"]
    assert report.reasons == {"contaminated": 2}


def test_fuzzy_dedup_against_fewshots_and_among_samples():
    fewshots = ["what is the boiling point of water at sea level in degrees celsius"]
    samples = [
        "What is the boiling point of water at sea level in degrees Celsius?",  # few-shot, other case
        "photosynthesis turns light energy into chemical energy stored in glucose",
        "photosynthesis turns light energy into chemical energy stored in sugar",  # near-dup of 1
        "mitochondria are the powerhouse of the cell and make most of its ATP",
        "photosynthesis turns light energy into chemical energy",  # token subset of 1: score 100
        "the heart pumps blood through the body using four chambers and valves",
    ]
    kept, report = FuzzyDedup(fewshots=fewshots, fields=None).apply(samples)
    assert kept == [samples[1], samples[3], samples[5]]
    assert report.reasons == {"too_similar_to_fewshot": 1, "near_duplicate": 2}
    assert report.details["similar_pairs"] >= 3


def test_fuzzy_dedup_is_greedy_in_input_order():
    # b is similar to a and to c, but a and c are not similar: a stays, b goes, c stays
    a = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    b = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron"
    c = "lambda mu nu xi omicron pi rho sigma tau upsilon"
    kept, report = FuzzyDedup(fields=None).apply([a, b, c])
    assert kept == [a, c] and report.reasons == {"near_duplicate": 1}


def test_diversify_keeps_one_per_cluster_round_robin():
    topics = ["cats purr and chase mice", "stocks fell on the exchange", "rain and wind in the storm"]
    samples = [f"{t} {k}" for t in topics for k in range(10)]
    kept, report = Diversify(target=3, svd_dims=5, seed=0, fields=None).apply(samples)
    assert len(kept) == 3 and report.reasons == {"diversity_subsampled": 27}
    assert {s.split()[0] for s in kept} == {"cats", "stocks", "rain"}
    more, _ = Diversify(target=7, n_clusters=3, svd_dims=5, seed=0, fields=None).apply(samples)
    counts = sorted(sum(s.startswith(t.split()[0]) for s in more) for t in topics)
    assert counts == [2, 2, 3]  # round robin over three clusters
    assert Diversify(target=50, fields=None).apply(samples)[0] == samples


def test_pipeline_merges_reports_and_every_rejection_has_a_reason():
    samples = [{"output": json.dumps({"text": t, "answer": a})}
               for t, a in [("the cat sat on the warm mat all day", "A"), ("the cat sat on the warm mat all day", "A"),
                            ("short", "B"), ("the dog ran in the green park all day", "Z"),
                            ("the cat sat on the warm mat all day long", "C"), ("birds fly south in the cold winter", "D")]]
    samples.append({"output": "oops"})
    pipeline = FilterPipeline([
        SchemaFilter(required={"text": "str", "answer": "str"}, allowed={"answer": list("ABCD")}),
        ExactDedup(fields=("text",)),
        LengthFilter(min_words=3, fields=("text",)),
        FuzzyDedup(fields=("text",)),
    ])
    kept, report = pipeline.apply(samples)
    assert [s["text"] for s in kept] == ["the cat sat on the warm mat all day", "birds fly south in the cold winter"]
    assert report.counts() == {"bad_json": 1, "bad_label": 1, "exact_duplicate": 1, "too_short": 1,
                               "near_duplicate": 1}
    table = report.table()
    assert table["rejected"].sum() == len(samples)  # rejections plus the kept row account for every sample
    assert report.n_in == 7 and report.n_kept == 2
