"""Teacher answers for capability transfer: tagged parsing, every malformed-answer reason counted."""

import pytest

from synthlib.methods.captransfer.articles import Article, lead, sentences
from synthlib.methods.captransfer.scripted import scripted_captransfer_teacher
from synthlib.methods.captransfer.synthesis import (
    CONSTRAINED_FORMATS,
    Decoding,
    answer_text,
    parse_qa_answer,
    parse_summary_answer,
    request,
    split_keywords,
    synthesize,
    uses_chat,
)
from synthlib.tasks.formats import get_format

GOOD_SUMMARY = ("[keywords] Apple, Tim Cook, Steve Jobs, transparency, products\n"
                "[summary] Since Steve Jobs died, Apple under Tim Cook values transparency. New products were few.")


def _qa(answers=("Yes", "No", "yes.", "No, it does not.", "YES"), questions=None):
    questions = questions or [f"Is claim {i} true?" for i in range(1, 6)]
    pairs = "\n".join(f"[q{i}] {q}\n[a{i}] {a}" for i, (q, a) in enumerate(zip(questions, answers, strict=True), 1))
    return f"[summary] A short summary.\n{pairs}"


def test_a_good_summary_answer_parses_with_its_five_keywords():
    parsed = parse_summary_answer(GOOD_SUMMARY)
    assert parsed.ok and parsed.value["keywords"] == ["Apple", "Tim Cook", "Steve Jobs", "transparency", "products"]
    assert parsed.value["summary"].startswith("Since Steve Jobs died")


def test_keywords_are_read_from_lists_bullets_and_quotes():
    assert split_keywords('1. "Apple"\n2. Tim Cook.\n- iPhone; *Maps*') == ["Apple", "Tim Cook", "iPhone", "Maps"]


@pytest.mark.parametrize(("text", "reason"), [
    ("I'm sorry, but I can't assist with that.", "off-format (no tags)"),
    ("[keywords] a, b, c, d, e", "missing [summary]"),
    ("[keywords] a, b, c, d, e\n[summary]   ", "empty [summary]"),
    ("[keywords] a, b\n[summary] a b", "wrong keyword count"),
    ("[keywords] a, b, c, d, e\n[summary] a b c d e\n[summary] again", "repeated [summary]"),
    ("[keywords] Apple, apple, b, c, d\n[summary] Apple b c d", "repeated keyword"),
    ("[keywords] a, b, c, d, zebra\n[summary] a b c d only", "summary misses a keyword"),
])
def test_each_malformed_summary_answer_has_its_reason(text, reason):
    parsed = parse_summary_answer(text)
    assert not parsed.ok and parsed.reason == reason


def test_a_refusal_is_counted_as_one_through_safe_parse():
    from synthlib.teachers.parsing import safe_parse

    assert safe_parse(parse_summary_answer, "I'm sorry, but I can't assist with that.").reason == "refusal"


def test_a_longer_keyword_list_keeps_the_first_five_the_summary_holds():
    text = "[keywords] Leicester, Pearson, VAR, Dean, penalty, arrogance, football\n[summary] Leicester boss Pearson " \
           "called referee Dean arrogant after a penalty; football fans agreed."
    parsed = parse_summary_answer(text)
    assert parsed.ok and parsed.value["keywords"] == ["Leicester", "Pearson", "Dean", "penalty", "football"]
    assert parsed.value["listed_keywords"] == 7
    # fewer than five of the listed keywords in the summary: still a rejection
    assert parse_summary_answer("[keywords] a, b, c, d, x, y\n[summary] a b c d").reason == "summary misses a keyword"
    without_check = parse_summary_answer("[keywords] a, b, c, d, x, y\n[summary] a b c d", require_in_summary=False)
    assert without_check.value["keywords"] == ["a", "b", "c", "d", "x"]


def test_the_keyword_check_can_be_switched_off():
    assert parse_summary_answer("[keywords] a, b, c, d, zebra\n[summary] a b c d", require_in_summary=False).ok


def test_a_good_qa_answer_parses_into_five_yes_no_pairs():
    parsed = parse_qa_answer(_qa())
    assert parsed.ok and [a for _, a in parsed.value["pairs"]] == ["yes", "no", "yes", "no", "yes"]


@pytest.mark.parametrize(("text", "reason"), [
    (_qa().replace("[q3]", "[x3]"), "missing [q3]"),
    (_qa(answers=("Yes", "maybe", "no", "no", "yes")), "answer not yes/no"),
    (_qa(questions=["Same?", "same?", "C?", "D?", "E?"]), "repeated question"),
    (_qa().replace("[a5] YES", "[a5]"), "empty [a5]"),
])
def test_each_malformed_qa_answer_has_its_reason(text, reason):
    parsed = parse_qa_answer(text)
    assert not parsed.ok and parsed.reason == reason


def _articles(n):
    body = "The council of Springfield approved a new bridge over the river on Monday. " \
           "Engineers said the bridge will open next year. Residents welcomed the council's decision."
    return [Article(id=f"a{i}", source="cnndm", text=f"Story {i}. {body}", lead=lead(body)) for i in range(n)]


def test_synthesis_counts_every_rejection_and_keeps_the_rest():
    teacher = scripted_captransfer_teacher()
    result = synthesize("summarization", _articles(40), teacher, Decoding(), chat=False)
    report = result.report
    assert report.total == 40 == report.kept + sum(report.reasons.values())
    assert report.kept == len(result.values) and sum(report.reasons.values()) == len(result.rejected) > 0
    assert all(len(v["keywords"]) == 5 for v in result.values.values())


def test_chat_teachers_get_the_system_turn_and_base_teachers_a_prompt():
    article = _articles(1)[0]
    chat = request("qa", article, Decoding(), chat=True)
    assert [m["role"] for m in chat.messages] == ["system", "user", "assistant"]
    assert "[q5]" in chat.messages[1]["content"] and chat.messages[-1]["content"] == "[summary]"
    plain = request("summarization", article, Decoding(system_prompt=False, prefill=False), True)
    assert [m["role"] for m in plain.messages] == ["user"]
    assert request("summarization", article, Decoding(), chat=False).prompt.endswith("Answer:\n")
    assert uses_chat("qwen2.5-coder-1.5b-instruct") and not uses_chat("gemma-3-270m")


def test_sentences_and_lead():
    text = 'He said "it works." Then he left. (CNN) Markets rose 3.5% today! Fine?'
    assert sentences(text)[:2] == ['He said "it works."', "Then he left."]
    assert lead(text, 2) == 'He said "it works." Then he left.'


def test_a_prefilled_answer_is_parsed_whole():
    chat = request("summarization", _articles(1)[0], Decoding(), chat=True)
    generated = " Apple, Tim Cook, Steve Jobs, transparency, products\n[summary] Steve Jobs, Tim Cook: Apple's " \
                "transparency and products."
    assert parse_summary_answer(answer_text(chat, generated)).ok
    assert answer_text(chat, "[keywords] a") == "[keywords] a"  # a teacher that repeats the prefill


class _StopsAfterKeywords:
    """A chat teacher that ends its first answer after the keyword line (as Qwen2.5-Coder-1.5B did)."""

    def __init__(self, finish_reason="stop"):
        self.batches, self.finish_reason = [], finish_reason

    def generate(self, requests):
        from synthlib.teachers.base import Generation

        self.batches.append(list(requests))
        first = requests[0].messages[-1]["content"] == "[keywords]"
        text = " Apple, Tim Cook, Steve Jobs, transparency, products" if first else \
            " Steve Jobs, Tim Cook: Apple's transparency and products."
        return [Generation(text, finish_reason=self.finish_reason if first else "stop") for _ in requests]


def test_an_answer_that_stops_after_its_keywords_is_resumed_once_at_the_summary():
    teacher = _StopsAfterKeywords()
    result = synthesize("summarization", _articles(3), teacher, Decoding(), chat=True)
    assert len(teacher.batches) == 2 and result.resumed == 3 and result.report.kept == 3
    resumed = teacher.batches[1][0].messages[-1]["content"]
    assert resumed == "[keywords] Apple, Tim Cook, Steve Jobs, transparency, products\n[summary]"
    assert next(iter(result.values.values()))["keywords"][0] == "Apple"


def test_an_answer_cut_at_the_token_limit_is_not_resumed():
    teacher = _StopsAfterKeywords(finish_reason="length")
    result = synthesize("summarization", _articles(2), teacher, Decoding(), chat=True)
    assert len(teacher.batches) == 1 and result.resumed == 0
    assert set(result.report.reasons) == {"missing [summary] (cut at the token limit)"}


def test_a_constrained_request_names_its_format_and_leaves_the_prompting_to_the_delivery():
    article = _articles(1)[0]
    for task, fmt in CONSTRAINED_FORMATS.items():
        constrained = request(task, article, Decoding(constrained=True), chat=True)
        assert constrained.constraint == fmt and constrained.messages is None  # no system turn, no prefill
        assert article.text in constrained.prompt and not constrained.prompt.endswith("Answer:\n")
        assert get_format(fmt)  # a registered format: the decoder can walk it


def test_the_parsers_read_what_the_constrained_formats_write():
    keywords = ["bridge", "council", "river", "Monday", "engineers"]
    summary = get_format("keywords_summary").render({"keywords": keywords, "summary": "The council approved a bridge "
                                                     "over the river on Monday, engineers said."})
    assert parse_summary_answer(summary).value["keywords"] == keywords
    pairs = {f"q{i}": f"Is claim number {i} true?" for i in range(1, 6)} | {f"a{i}": "yes" for i in range(1, 6)}
    qa = get_format("summary_qa").render({"summary": "A bridge was approved.", **pairs})
    assert [a for _, a in parse_qa_answer(qa).value["pairs"]] == ["yes"] * 5


@pytest.mark.slow
def test_constrained_summaries_from_a_real_decoder_never_fail_on_format():
    """The tiny random GPT-2 writes noise, but under the format every answer has its tags and five keywords:
    what is rejected is rejected for its content only."""
    from synthlib.teachers import load_teacher

    teacher = load_teacher("tiny-random-gpt2", cache=False, batch_size=4)
    decoding = Decoding(constrained=True, max_new_tokens=32, require_keywords_in_summary=False)
    articles = [Article(id=f"a{i}", source="cnndm", text=f"Story {i}. The council approved a bridge.", lead="")
                for i in range(4)]
    summaries = synthesize("summarization", articles, teacher, decoding, chat=True)
    assert summaries.report.kept + sum(summaries.report.reasons.values()) == 4
    assert set(summaries.report.reasons) <= {"repeated keyword"}, summaries.report.reasons
    assert summaries.values and all(len(v["keywords"]) == 5 and v["summary"] for v in summaries.values.values())
