"""Constrained decoding's redraw rule: a field copied from the instruction, or too short, is drawn again."""

from synthlib.tasks.formats import FORMATS, TAG_STOPS, OutputFormat, Segment, register_format, text_key
from synthlib.teachers import Request, SamplingParams
from synthlib.teachers.base import CONSTRAINED_DECODER, FORMAT_DECODER, Generation, decoder_revision
from synthlib.teachers.constrained import RETRIES, _free, _redraw
from synthlib.teachers.parsing import safe_parse

PREMISE = "The Zürich council voted on Tuesday to close the old bridge for repairs until spring."
INSTRUCTION = f"Premise: {PREMISE}\nWrite a hypothesis that follows from it."


class ScriptedFields:
    """A stand-in model for ``_free``: answers attempt k of every row with ``answers[k]``."""

    _clean_mask = "readable tokens"  # a cached mask: ``_free`` only passes it on to ``generate_batch``

    def __init__(self, answers):
        self.answers, self.calls = answers, []
        self._stop_masks = {TAG_STOPS: "stop tokens"}  # likewise the cached mask of stop tokens

    def generate_batch(self, prompts, requests, allowed_tokens=None, ban_until=None, after=None, spans=None,
                       avoid=None, holds=None):
        text = self.answers[min(len(self.calls), len(self.answers) - 1)]
        self.calls.append([r.seed for r in requests])
        self.holds = None if holds is None else holds[0]
        return [Generation(text=text, completion_tokens=len(text.split())) for _ in prompts]


def _field(model, instructions, min_words=0):
    segment = Segment(kind="text", name="hypothesis")
    request = Request(prompt="x", sampling=SamplingParams(max_new_tokens=8, temperature=1.0))
    rows = len(instructions)
    return _free(model, (None, ["[hypothesis]"] * rows), segment, " ", request, list(range(rows)),
                 [[] for _ in range(rows)], instructions, min_words)


def test_a_field_copied_from_the_instruction_is_drawn_again_with_a_new_seed():
    model = ScriptedFields([PREMISE, "The bridge stays open all winter."])
    pieces, used = _field(model, [INSTRUCTION])
    assert pieces == [" The bridge stays open all winter."]
    assert len(model.calls) == 2 and model.calls[0] != model.calls[1]  # the redraw samples with a derived seed
    assert used == [len(PREMISE.split()) + 6]  # both draws are paid for


def test_a_copy_that_survives_every_retry_is_left_for_the_parser_to_count():
    model = ScriptedFields([PREMISE])
    pieces, _ = _field(model, [INSTRUCTION])
    assert len(model.calls) == RETRIES + 1
    assert safe_parse(lambda text: None, f"[hypothesis]{pieces[0]}", INSTRUCTION).reason == "echoed prompt"


def test_a_field_under_the_formats_minimum_words_is_drawn_again():
    # gemma-3-270m wrote a math "question" that was one 80-digit number: one word, under the minimum of 8
    model = ScriptedFields(["1800000000000000000000000000000000", "Tom has 3 apples and buys 4 more. How many now?"])
    pieces, _ = _field(model, ["Write a math word problem."], min_words=8)
    assert len(model.calls) == 2 and pieces[0].startswith(" Tom has 3 apples")


def test_only_copied_rows_are_redrawn():
    model = ScriptedFields(["Voters in Zürich like bridges a great deal, über alles."])
    _field(model, [INSTRUCTION, "Write a hypothesis about anything at all."])
    assert len(model.calls) == 1  # the sentence copies neither instruction


def test_the_redraw_rule_matches_the_parsers_echo_check():
    assert _redraw("", [], INSTRUCTION)
    assert _redraw(" Same item", ["same item"], INSTRUCTION)
    assert _redraw(" three words here", [], INSTRUCTION, min_words=4)
    assert not _redraw(" four words right here", [], INSTRUCTION, min_words=4)
    # the premise with odd case, punctuation and whitespace is still a copy; five copied words are not
    assert _redraw("  the ZÜRICH council voted, on Tuesday, to close\tthe old bridge", [], INSTRUCTION)
    assert not _redraw(" The Zürich council voted on it.", [], INSTRUCTION)


def test_constrained_requests_carry_the_decoder_revision_in_their_cache_key():
    sampling = SamplingParams(max_new_tokens=8)
    assert Request(prompt="p", sampling=sampling, constraint="nli").payload()["decoder"] == CONSTRAINED_DECODER
    assert "decoder" not in Request(prompt="p", sampling=sampling).payload()  # free requests keep their keys


def test_a_format_whose_rules_changed_gets_new_cache_keys_and_the_others_keep_theirs():
    sampling = SamplingParams(max_new_tokens=8)
    span = Request(prompt="p", sampling=sampling, constraint="extractive_qa").payload()
    assert span["decoder"] == decoder_revision("extractive_qa") > CONSTRAINED_DECODER
    assert Request(prompt="p", sampling=sampling, constraint="nli").payload()["decoder"] == CONSTRAINED_DECODER
    assert set(FORMAT_DECODER) <= set(FORMATS)  # a revision names a real format


def test_a_field_equal_to_an_earlier_one_of_its_group_is_drawn_again():
    # _free gets the group's earlier values as text keys: case and runs of spaces do not make a new question
    model = ScriptedFields(["Is  the bridge CLOSED?", "Will the bridge open in spring?"])
    segment = Segment(kind="text", name="q2")
    request = Request(prompt="x", sampling=SamplingParams(max_new_tokens=8, temperature=1.0))
    pieces, _ = _free(model, (None, ["[q2]"]), segment, " ", request, [0], [[text_key("is the bridge closed?")]],
                      ["Write questions."])
    assert len(model.calls) == 2 and pieces == [" Will the bridge open in spring?"]


def test_the_decoder_hands_each_distinct_field_the_values_written_before_it(monkeypatch):
    from synthlib.teachers import constrained
    from synthlib.teachers.hf import tiny_random_teacher

    fmt = register_format(OutputFormat(
        "test_two_questions", "two different questions", ("tests",), "tagged",
        (Segment("literal", text="[q1] "), Segment("text", name="q1", max_tokens=3),
         Segment("literal", text="\n[q2] "), Segment("text", name="q2", max_tokens=3)),
        "Ask two questions.\nAnswer:\n", distinct=("q1", "q2")))
    seen = {}
    original = constrained._free

    def spy(teacher, contexts, segment, hold, request, seeds, items, *rest):
        seen[segment.name] = [list(row) for row in items]
        return original(teacher, contexts, segment, hold, request, seeds, items, *rest)

    monkeypatch.setattr(constrained, "_free", spy)
    teacher = tiny_random_teacher("tiny-random-gpt2", batch_size=2)
    requests = [Request(prompt=fmt.template, sampling=SamplingParams(max_new_tokens=8), seed=s, constraint=fmt.name)
                for s in (1, 2)]
    answers = constrained.generate_constrained(teacher, requests)
    assert seen["q1"] == [[], []]
    first = [a.text.split("\n[q2]")[0].removeprefix("[q1]") for a in answers]  # what each row wrote first
    assert seen["q2"] == [[text_key(q)] for q in first]


def test_a_summary_that_misses_one_of_its_keywords_is_drawn_again():
    assert _redraw(" The Zürich council closed a bridge.", [], INSTRUCTION, needs=["zürich", "Bridge"]) is False
    assert _redraw(" The Zürich council closed a bridge.", [], INSTRUCTION, needs=["zürich", "repairs"])
    model = ScriptedFields(["The council closed a bridge.", "The Zürich council closed a bridge for repairs."])
    segment = Segment(kind="text", name="summary")
    request = Request(prompt="x", sampling=SamplingParams(max_new_tokens=8, temperature=1.0))
    pieces, _ = _free(model, (None, ["[summary]"]), segment, " ", request, [0], [[]], ["Summarize."],
                      needs=[["Zürich", "--", "repairs"]])
    assert len(model.calls) == 2 and pieces == [" The Zürich council closed a bridge for repairs."]
    assert model.holds == [["Zürich", "repairs"]]  # a phrase with no word in it cannot be held: not asked for


def test_the_decoder_hands_the_summary_its_rows_keywords(monkeypatch):
    from synthlib.teachers import constrained
    from synthlib.teachers.hf import tiny_random_teacher

    seen = {}
    original = constrained._free

    def spy(teacher, contexts, segment, hold, request, seeds, items, instructions, min_words, sources, earlier,
            needs):
        if needs is not None:
            seen[segment.name] = [list(row) for row in needs]
        return original(teacher, contexts, segment, hold, request, seeds, items, instructions, min_words, sources,
                        earlier, needs)

    monkeypatch.setattr(constrained, "_free", spy)
    teacher = tiny_random_teacher("tiny-random-gpt2", batch_size=2)
    fmt = FORMATS["keywords_summary"]
    requests = [Request(prompt=fmt.prompt(article="Zürich closed a bridge."), seed=s, constraint=fmt.name,
                        sampling=SamplingParams(max_new_tokens=8)) for s in (1, 2)]
    answers = constrained.generate_constrained(teacher, requests)
    assert set(seen) == {"summary"}
    for answer, needs in zip(answers, seen["summary"], strict=True):
        listed = answer.text.split("\n[summary]")[0].removeprefix("[keywords] ")
        assert len(needs) == 5 and ", ".join(needs) == listed  # each row's own five keywords, as written
