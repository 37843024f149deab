"""Output formats: the extractive-QA span field, distinct questions, and a summary that must hold its keywords."""

import pytest

from synthlib.tasks.formats import FORMATS, get_format, is_span

QA = FORMATS["extractive_qa"]
CONTEXT = ("Die Brücke über die Limmat in Zürich wurde 1932 eröffnet und 1998 erneuert. It carries "
           "two tram lines and  a footpath, and about 4,000 people cross it every day.")


@pytest.mark.parametrize(("answer", "expected"), [
    ("1932", True),
    ("zürich WURDE", True),               # case ignored, non-ASCII kept
    ("two tram lines and a footpath", True),  # a double space in the context is still one gap
    ("  1998 ", True),
    ("", False),                           # an empty answer is no span
    ("   ", False),
    ("1933", False),
    ("tram lines, and a footpath", False),
])
def test_is_span(answer, expected):
    assert is_span(answer, CONTEXT) is expected


def test_the_span_answer_renders_and_parses_back():
    values = {"context": CONTEXT, "question": "In what year was the bridge opened?", "answer": "1932"}
    target = QA.render(values)
    assert target.startswith("[context] Die Brücke") and target.endswith("[answer] 1932")
    assert QA.parse(target).value == {**values, "context": " ".join(CONTEXT.split())}  # tags read single-spaced


def test_an_answer_that_is_not_in_the_context_is_a_counted_rejection():
    target = QA.render({"context": CONTEXT, "question": "In what year was the bridge opened?", "answer": "1931"})
    assert QA.parse(target).reason == "[answer] not in [context]"


def test_a_short_context_is_rejected_before_the_span_check():
    target = QA.render({"context": "Zürich has a bridge.", "question": "What does Zürich have?", "answer": "bridge"})
    assert QA.parse(target).reason == "too short [context]"


def test_a_repeated_question_is_a_counted_rejection_whatever_its_case_and_spacing():
    fmt = get_format("summary_qa")
    values = {"summary": "The council approved a new bridge on Monday.",
              **{f"q{k}": f"Is claim number {k} in the summary?" for k in range(1, 6)},
              **{f"a{k}": "yes" for k in range(1, 6)}}
    assert fmt.parse(fmt.render(values)).ok
    values["q4"] = "  is CLAIM number 2   in the summary?"
    assert fmt.parse(fmt.render(values)).reason == "repeated [q4]"


def test_every_distinct_group_names_real_fields():
    for fmt in FORMATS.values():
        assert set(fmt.distinct) <= set(fmt.fields), fmt.name
        assert all({text, items} <= set(fmt.fields) for text, items in fmt.contains.items()), fmt.name


SUMMARY = "Researchers at the University of Tübingen found that bacteria on magnetite store charge, like a battery."


@pytest.mark.parametrize(("keywords", "reason"), [
    (["tübingen", "BACTERIA", "magnetite", "charge", "battery"], None),   # any case, non-ASCII kept whole
    (["University of Tübingen", "bacteria", "magnetite", "store charge", "battery"], None),  # phrases
    (["tübingen", "bacteria", "magnetite", "charge", "batteries"], "[summary] misses a [keywords] item"),
    (["bingen", "bacteria", "magnetite", "charge", "battery"], "[summary] misses a [keywords] item"),  # whole words
])
def test_a_summary_must_hold_every_one_of_its_keywords(keywords, reason):
    fmt = get_format("keywords_summary")
    assert fmt.parse(fmt.render({"keywords": keywords, "summary": SUMMARY})).reason == reason
