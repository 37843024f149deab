"""Format examples (few-shots for base-model teachers, probe inputs for the Teachers chapter): training splits only."""

import pytest

from synthlib.tasks.examples import (
    SOURCES,
    _read_evaluated,
    build_examples,
    clean_rows,
    evaluated_texts,
    keywords,
    normalise,
    split_rows,
)
from synthlib.tasks.formats import FORMATS


@pytest.mark.slow
def test_examples_share_no_text_with_any_evaluated_split(use_mirror):
    evaluated = _read_evaluated()  # read afresh from the mirror, not from the digest cache
    assert len(evaluated) > 50_000  # every validation/test split of the catalog was read
    assert len(evaluated_texts()) == len(evaluated)
    for fmt in FORMATS:
        examples = build_examples(fmt, 2000, 0, 160)
        assert len(examples) >= 350, fmt  # summary_qa has ~390 (its lead must hold a sentence of 6-18 words)
        for example in examples:
            assert not any(normalise(text) in evaluated for text in example.texts), (fmt, example.texts)
            assert example.source in {"cnndm_sumllm", "wikipedia", "wikinews", "sst2", "rte", "gsm8k", "mbpp",
                                       "csqa2"}
        # targets are valid samples (a few short CSQA2 questions fall under the question format's 4-word minimum)
        valid = sum(FORMATS[fmt].parse(example.target).ok for example in examples)
        assert valid >= 0.98 * len(examples), (fmt, valid, len(examples))


@pytest.mark.slow
def test_probe_rows_are_disjoint_from_training_rows(use_mirror):
    load, _ = SOURCES["nli"]
    rows = clean_rows(load())
    train, probe = split_rows(rows, seed=0)
    assert len(probe) == int(len(rows) * 0.1)
    assert not {r["text1"] + r["text2"] for r in train} & {r["text1"] + r["text2"] for r in probe}


def test_sources_read_training_splits_only(monkeypatch):
    import synthlib.data

    seen = []

    def fake_load(name, split, subset=None, max_rows=None):
        seen.append((name, split))
        raise RuntimeError("stop here")

    monkeypatch.setattr(synthlib.data, "load_dataset", fake_load)
    for load, _ in SOURCES.values():
        with pytest.raises(RuntimeError):
            load()
    assert seen and all(split == "train" for _, split in seen)


def test_nli_pair_examples_keep_whole_short_premises_and_parse_back():
    from synthlib.tasks.examples import PAIR_PREMISE_WORDS, _nli_pair

    short = {"text1": "Zoë  moved to\tMünchen in 2001.", "text2": "Zoë lives in Germany.", "label": 0}
    long = {"text1": " ".join(["word"] * (PAIR_PREMISE_WORDS + 1)), "text2": "Words repeat.", "label": 1}
    (example,) = list(_nli_pair([short, long], None, 160))  # a cut premise could lose what its label rests on
    parsed = FORMATS["nli_pair"].parse(example.target)
    assert parsed.ok and parsed.value == {"premise": "Zoë moved to München in 2001.",
                                          "hypothesis": "Zoë lives in Germany.", "label": "entailment"}
    assert "relation to it is entailment" in example.prompt


@pytest.mark.parametrize(("sentence", "expected"), [
    ("It opened in August 2016 and closed later.", ("It opened in August what year and closed later?", "2016")),
    ("The mine lies 12 miles west of Paso Robles.", ("The mine lies how many miles west of Paso Robles?", "12")),
    ("About 1,200 people live in Gößweinstein.", ("About how many people live in Gößweinstein?", "1,200")),
    ("Between 1868 and 1970 it was mined.", ("Between what year and 1970 it was mined?", "1868")),  # the first year
    ("1999 was a good year for the club.", None),  # a question cannot start at the answer
    ("The club has no numbers in this sentence.", None),
])
def test_cloze_questions_ask_for_the_first_year_or_count(sentence, expected):
    from synthlib.tasks.examples import cloze_question

    assert cloze_question(sentence) == expected


def test_extractive_qa_examples_ask_about_a_later_sentence_with_a_unique_answer():
    import random

    from synthlib.tasks.examples import _extractive_qa

    rows = [
        {"text": "Café Zoë is a café in Köln, Germany, known for its cakes and its long queues on Sundays. "
                 "It was founded in 1921 by two sisters from Bonn. The café seats 80 guests on two floors.\nHistory.\n"
                 "More text.", "_source": "wikipedia"},
        # the year appears twice: asking for it would have two right spans
        {"text": "The Old Mill is a museum in a small town with a long history of milling grain and wool. "
                 "It opened in 1950 and was rebuilt after the flood of 1950 by the town.", "_source": "wikipedia"},
        # a bracket would read as a tag in the tagged format
        {"text": "Ulmus [a tree] is a genus of trees found in many countries across the northern hemisphere today. "
                 "It was described in 1753 by a famous Swedish botanist in his book.", "_source": "wikipedia"},
    ]
    examples = list(_extractive_qa(rows, random.Random(0), 160))
    assert len(examples) == 1
    parsed = FORMATS["extractive_qa"].parse(examples[0].target)
    assert parsed.ok
    assert parsed.value["context"].startswith("Café Zoë is a café in Köln") and "More text" not in parsed.value["context"]
    assert (parsed.value["question"], parsed.value["answer"]) in {
        ("It was founded in what year by two sisters from Bonn?", "1921"),
        ("The café seats how many guests on two floors?", "80")}
    assert examples[0].prompt == FORMATS["extractive_qa"].prompt()


def test_summary_qa_examples_ask_five_different_questions_and_say_yes_only_to_what_is_shown():
    import random

    from synthlib.tasks.examples import _summary_qa

    summaries = ["The council approved a new bridge over the river on Monday. Work starts in May next year. "
                 "A third sentence that the shown summary will not hold because it is cut away here, far too long "
                 "to fit with the others in sixty words of text at all, which is the whole point of this sentence, "
                 "so it goes on and on for a while longer still.",
                 "Heavy rain flooded the old town centre overnight. Shops stayed closed on the main square.",
                 "The local team won the cup final after extra time. Fans filled the streets until late."]
    rows = [{"summary": s, "article": s} for s in summaries]
    examples = list(_summary_qa(rows, random.Random(0), 160))
    fmt = FORMATS["summary_qa"]
    assert len(examples) == 3
    for example in examples:
        values = fmt.parse(example.target).value  # parses: five distinct questions
        assert "third sentence" not in values["summary"]
        for k in range(1, 6):
            claim = values[f"q{k}"].rsplit(" that ", 1)[1].rstrip("?")
            assert (claim.lower() in values["summary"].lower()) == (values[f"a{k}"] == "yes")


def test_a_summary_with_nothing_else_to_ask_about_is_skipped_not_looped_on():
    import random

    from synthlib.tasks.examples import _summary_qa

    rows = [{"summary": "The council approved a new bridge over the river on Monday.", "article": "x"}]
    assert list(_summary_qa(rows, random.Random(0), 160)) == []  # one sentence, no other summary to ask "no" about


def test_keywords_are_whole_letter_words_found_in_the_summary_and_the_article():
    from synthlib.metrics.text import keyword_inclusion

    summary = "Scientists in Tübingen spent £2million; the scientists' bacteria don't store charge like batteries."
    article = "In Tübingen, bacteria store charge; scientists spent 2million pounds on batteries they don't sell."
    found = keywords(summary, article)
    assert found == ["scientists", "tübingen", "spent", "bacteria", "store"]  # no "million" cut from "£2million"
    assert keyword_inclusion(summary, found) == 1.0
    assert keywords("Tübingen bacteria", article) is None  # fewer than five: no example
