"""SoftSRV's recipe in the head-to-head: inputs written through a soft prompt, labels from the teacher."""

from __future__ import annotations

import pytest

from synthlib.compare.adapters.softsrv import (
    LABEL_FORMATS,
    Inputs,
    class_shots,
    input_text,
    label_request,
    parse_input,
    unsupported,
)
from synthlib.config import ConfigError
from synthlib.teachers.delivery import requested_option

PAIR = {"text1": "Die  Brücke in Köln\twurde 1911 eröffnet.", "text2": "Die Brücke steht in Köln.", "label": 0}


def test_a_pool_row_round_trips_through_its_text():
    assert input_text("rte", PAIR) == "Die Brücke in Köln wurde 1911 eröffnet.\nDie Brücke steht in Köln."
    assert parse_input("rte", input_text("rte", PAIR)).value == {"text1": "Die Brücke in Köln wurde 1911 eröffnet.",
                                                                  "text2": "Die Brücke steht in Köln."}
    review = {"text": "  Ein großartiger Film,\n\nwirklich  sehenswert. ", "label": 1}
    assert parse_input("imdb", input_text("imdb", review)).value == {"text": "Ein großartiger Film, wirklich sehenswert."}


@pytest.mark.parametrize("task,text,reason", [
    ("rte", "", "no second line"),
    ("rte", "Only one line of text here.", "no second line"),
    ("rte", "A premise of enough words.\n\n  \nno", "too short"),
    ("imdb", " \n\t", "too short"),
    ("imdb", "Great film", "too short"),
])
def test_unusable_samples_are_counted_rejections(task, text, reason):
    parsed = parse_input(task, text)
    assert not parsed.ok and parsed.reason == reason


def test_extra_lines_after_a_pair_are_dropped_and_blank_lines_skipped():
    parsed = parse_input("qnli", "\nWho built the bridge in 1911?\n\nThe bridge was built by the city.\nMore text follows.")
    assert parsed.value == {"text1": "Who built the bridge in 1911?", "text2": "The bridge was built by the city."}


def test_the_label_prompt_shows_one_example_per_class_and_asks_for_no_label():
    pool = [{"text1": f"premise number {i} is here", "text2": f"hypothesis {i} here", "label": i % 2} for i in range(6)]
    shots = class_shots(pool, 2)
    assert [s["label"] for s in shots] == [0, 1] and shots[0] is pool[0] and shots[1] is pool[1]
    names = ("entailment", "not_entailment")
    requests = [label_request("rte", PAIR, shots, names, i, seed=3) for i in range(8)]
    for request in requests:
        assert request.constraint == "label_rte" and request.sampling.temperature == 0
        assert request.prompt.count("[label] entailment") == 1 and request.prompt.count("[label] not_entailment") == 1
        assert request.prompt.endswith("Premise: Die Brücke in Köln wurde 1911 eröffnet.\nHypothesis: Die Brücke steht in Köln.")
        # a first line naming one label would be read as a request for it, and constrained decoding writes it as asked
        assert requested_option(request, names) is None
    orders = {r.prompt.index("[label] entailment") < r.prompt.index("[label] not_entailment") for r in requests}
    assert orders == {True, False}  # the examples' order is drawn per request


def test_the_label_formats_parse_only_their_labels():
    assert LABEL_FORMATS["rte"].parse("[label] not_entailment").value == {"label": "not_entailment"}
    assert LABEL_FORMATS["rte"].parse("[label] entailment").value == {"label": "entailment"}
    assert not LABEL_FORMATS["imdb"].parse("[label] neutral").ok


def test_duplicates_across_rounds_and_test_overlaps_are_dropped():
    test_row = {"text": "one two three four five six seven eight nine ten eleven twelve thirteen fourteen", "label": 0}
    inputs = Inputs("imdb", [test_row])
    first = inputs.add(["A fine   film about a ship.", "A fine film about a ship.", "Too short", test_row["text"] + " indeed"])
    assert first == [{"text": "A fine film about a ship."}]  # the copy, the short one and the planted test text go
    assert inputs.add(["A fine film about a ship.", "Ein Film über ein Schiff, sehr gut."]) == [
        {"text": "Ein Film über ein Schiff, sehr gut."}]
    assert inputs.report.total == 6 and inputs.report.reasons["too short"] == 1 and len(inputs.texts) == 6


def test_a_teacher_without_weights_is_refused_before_any_work(tiny_config):
    config = tiny_config(methods=["softsrv"], softsrv_frozen_lm="tiny-random-gpt2")
    assert unsupported(config, "rte") is None
    with pytest.raises(ConfigError, match="softsrv_frozen_lm"):
        tiny_config(methods=["softsrv"])  # the scripted teacher, no frozen LLM named
    with pytest.raises(ConfigError, match="does not expose"):
        tiny_config(methods=["softsrv"], softsrv_frozen_lm="openai:gpt-4o@http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="softsrv_sample_share"):
        tiny_config(methods=["softsrv"], softsrv_frozen_lm="tiny-random-gpt2", softsrv_sample_share=1.0)


@pytest.mark.slow
def test_a_softsrv_cell_spends_its_budget_on_samples_and_labels(use_mirror, tiny_config):
    from synthlib.compare import run

    config = tiny_config(methods=["softsrv"], tasks=["imdb"], softsrv_frozen_lm="tiny-random-gpt2", softsrv_steps=2,
                         softsrv_tokens=2, budgets=[3000])
    table = run(config, progress=lambda message: None).table
    cell = table[table["method"] == "softsrv"].iloc[0]
    assert 0.95 * 3000 <= cell["teacher_tokens"] <= 3000
    assert cell["kept_samples"] >= 2 and cell["generated_samples"] > cell["kept_samples"]
    assert "soft prompt mc t=2" in cell["note"] and "labelled" in cell["note"]
