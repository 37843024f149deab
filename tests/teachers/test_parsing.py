"""Structured-output parsing: every bad output is a counted rejection, never an exception."""

import pytest

from synthlib.tasks.formats import FORMATS, get_format
from synthlib.teachers.parsing import (
    Parsed,
    extract_json,
    parse_all,
    parse_label,
    parse_number,
    parse_tagged,
    safe_parse,
    strip_debris,
)

SCHEMA = {"type": "object", "required": ["question", "answer"],
          "properties": {"question": {"type": "string", "minLength": 1}, "answer": {"enum": ["A.", "B."]}}}


def test_json_is_found_inside_chatter_and_fences():
    text = 'Sure! Here it is:\n```json\n{"question": "Is {this} \\"odd\\"?", "answer": "A."}\n```\nThanks'
    parsed = extract_json(text, SCHEMA)
    assert parsed.ok and parsed.value["question"] == 'Is {this} "odd"?'


def test_bad_json_becomes_a_reason():
    assert extract_json("no braces here").reason == "no JSON object"
    assert extract_json('{"question": "cut off').reason == "invalid JSON"
    assert extract_json('{"question": "q"}', SCHEMA).reason == "missing key 'answer'"
    assert extract_json('{"question": "q", "answer": "C."}', SCHEMA).reason == "bad value for 'answer'"


def test_tagged_fields_and_numbered_pairs():
    text = "[summary] The city flooded.\n[q1] Did it flood? [a1] yes\n[Q2] Was it dry?\n[a2] No"
    parsed = parse_tagged(text, ["summary", "q1", "a1", "q2", "a2"])
    assert parsed.ok and parsed.value["q2"] == "Was it dry?" and parsed.value["a2"] == "No"
    assert parse_tagged("[summary] x", ["summary", "keywords"]).reason == "missing [keywords]"
    assert parse_tagged("[summary] [keywords] a", ["summary", "keywords"]).reason == "empty [summary]"
    assert parse_tagged("[a1] yes [a1] no", ["a1"]).reason == "repeated [a1]"


def test_label_words_respect_word_boundaries_and_ambiguity():
    labels = ["entailment", "not_entailment"]
    assert parse_label("Label: not_entailment.", labels).value == "not_entailment"
    assert parse_label("ENTAILMENT", labels).value == "entailment"
    assert parse_label("it is positive", ["positive", "negative"], {"great": "positive"}).value == "positive"
    assert parse_label("great film", ["positive", "negative"], {"great": "positive"}).value == "positive"
    assert parse_label("nothing here", labels).reason == "no label word"
    assert parse_number("so 1,200 apples").value == 1200 and parse_number("x").reason == "no number"


def test_parse_all_counts_reasons_and_survives_any_input():
    fmt = get_format("sentiment")
    outputs = ["[text] a warm and funny film [label] positive", "[text] dull plot [label] meh",
               "[text] bad [label] negative", "", None, "[label] negative"]
    values, outcomes, report = parse_all(outputs, fmt.parse)
    assert len(values) == 1 and report.total == 6 and report.kept == 1
    assert report.reasons == {"bad label in [label]": 1, "too short [text]": 1, "empty output": 1, "not text": 1,
                              "missing [text]": 1}
    assert abs(report.parse_rate - 1 / 6) < 1e-9 and len(outcomes) == 6


def test_a_parser_bug_is_a_rejection_not_a_crash():
    def broken(text):
        raise ZeroDivisionError

    _, _, report = parse_all(["x"], broken)
    assert report.reasons == {"parser error: ZeroDivisionError": 1}


def test_every_format_parses_what_it_renders_and_rejects_a_broken_copy():
    values = {"keywords": ["rain", "river", "city", "flood", "council"],
              "summary": "After a week of rain the river rose to flood the city, and the council met.",
              "question": "Does the river flood the city every spring?", "answer": "A.", "text": "a warm funny film",
              "label": "positive", "hypothesis": "a river flooded",
              "premise": "Heavy rain fell for a week and the river left its banks.", **{f"q{k}": f"Did the river flood in year {k}?"
                                                                       for k in range(1, 6)},
              **{f"a{k}": "yes" for k in range(1, 6)},
              "context": "Heavy rain fell for a week in Zürich, and the river left its banks. " * 2}
    for name, fmt in FORMATS.items():
        sample = {k: values[k] for k in fmt.fields}
        if name == "math_qa":
            sample["answer"] = 12
        if name in ("nli", "nli_pair"):
            sample["label"] = "entailment"
        if name == "extractive_qa":
            sample["answer"] = "the river"  # a span of the context
        parsed = fmt.parse(fmt.render(sample))
        assert parsed.ok, (name, parsed.reason)
        assert isinstance(fmt.parse(fmt.render(sample)[:12]), Parsed)
        assert not fmt.parse(fmt.render(sample)[:12]).ok


# -- how real teachers fail: planted outputs like those seen from the packaged Qwen and Gemma models ----

REVIEW_PROMPT = "Write a negative movie review.\nAnswer in the form: [text] <the review>"


@pytest.mark.parametrize("text", [
    "I'm sorry, but I can't assist with that.",
    "I\u2019m sorry, but I cannot write a negative review of a real movie.",
    "As an AI language model, I do not have opinions about movies.",
    "I cannot fulfill that request.",
])
def test_refusals_are_their_own_reason(text):
    assert safe_parse(get_format("sentiment").parse, text, REVIEW_PROMPT).reason == "refusal"


@pytest.mark.parametrize("text", [
    "[text] Sorry, but I can't recommend this film: the plot is a mess. [label] negative",
    "[text] I'm sorry I wasted two hours on this dull and lifeless film. [label] negative",
])
def test_a_negative_review_that_apologises_is_not_a_refusal(text):
    assert safe_parse(get_format("sentiment").parse, text, REVIEW_PROMPT).ok


def test_an_echoed_instruction_or_copied_input_is_rejected():
    parse = get_format("sentiment").parse
    echoed = "Write a negative movie review. Answer in the form: [text] <the review>"
    assert safe_parse(parse, echoed, REVIEW_PROMPT).reason == "echoed prompt"
    premise = "The committee approved the new budget for the city's public schools on Tuesday."
    prompt = get_format("nli").prompt(premise=premise, label="entailment")
    copied = f"[hypothesis] {premise} [label] entailment"
    assert safe_parse(get_format("nli").parse, copied, prompt).reason == "echoed prompt"
    fresh = "[hypothesis] The city's schools will get new funding. [label] entailment"
    assert safe_parse(get_format("nli").parse, fresh, prompt).ok


@pytest.mark.parametrize("text", [
    "[text] <the review> <the review> [label] negative",
    "[text] [negative review] < [label] negative",
    "[text] <The review> <end> [label] negative",
    "[text] ... [label] negative",
])
def test_template_debris_alone_is_rejected_as_debris(text):
    assert safe_parse(get_format("sentiment").parse, text, REVIEW_PROMPT).reason == "template debris [text]"


def test_debris_next_to_real_text_is_stripped_and_the_text_kept():
    parsed = safe_parse(get_format("sentiment").parse,
                        "[text] [negative review] A slow, joyless film that wastes its cast. <end> [label] negative",
                        REVIEW_PROMPT)
    assert parsed.ok and parsed.value["text"] == "A slow, joyless film that wastes its cast."
    assert strip_debris("<|im_end|>Fine acting.</s> <") == "Fine acting."
    assert strip_debris("x < 5 and y > 3") == "x < 5 and y > 3"  # comparisons are content, not placeholders


def test_an_answer_without_any_tag_is_off_format():
    assert safe_parse(get_format("math_qa").parse, "The answer is 12 apples.").reason == "off-format (no tags)"


def test_a_json_field_holding_a_placeholder_is_debris():
    text = '{"question": "...", "options": ["A. Yes", "B. No"], "answer": "A."}'
    assert get_format("craft_qa").parse(text).reason == "template debris [question]"
