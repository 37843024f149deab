"""GOLD's prompts and parsing for every task kind, the scripted teacher, and config validation."""

from __future__ import annotations

import pytest

from synthlib.config import ConfigError
from synthlib.methods.gold import GoldConfig, synthesis
from synthlib.methods.gold.scripted import respond
from synthlib.methods.gold.tasks import TASKS, formulation, spec

EXAMPLES = {
    "rte": {"id": "e", "text1": "The cat sat on the mat all day.", "text2": "A cat sat.", "label": 0},
    "squad": {"id": "e", "context": "Paris is the capital of France and its largest city by far.",
              "question": "What is the capital of France?", "answer": "Paris", "answers": ["Paris"]},
    "svamp": {"id": "e", "problem": "Tom has 3 apples and buys 4 more apples. How many apples does he have?",
              "answer": "7"},
    "nl4opt": {"id": "e", "problem": "A farm grows corn and wheat with 100 acres of land in total available.",
               "formulation": "maximize profit = 3 corn + 2 wheat; corn + wheat <= 100"},
}


@pytest.mark.parametrize("task_name", ["rte", "squad", "svamp", "nl4opt"])
def test_a_rendered_sample_parses_back(task_name):
    task, row = spec(task_name), EXAMPLES[task_name]
    parsed = synthesis.sample_parser(task)(task.render(row))
    assert parsed.ok, parsed.reason
    assert all(parsed.value[c] == row[c] for c in task.columns)


def test_rejections_name_their_reason():
    parse = synthesis.sample_parser(spec("squad"))
    assert parse("[context] one two three four five six seven eight nine [question] who is it? "
                 "[answer] Rome").reason == "answer not in context"
    assert parse("nothing").reason == "off-format (no tags)"
    rte = synthesis.sample_parser(spec("rte"))
    assert rte("[premise] a b c d [hypothesis] e f g [label] maybe").reason == "bad label in [label]"
    request = synthesis.train_request(spec("rte"), [EXAMPLES["rte"]], [], synthesis.Sampling(), 0, 0)
    assert rte(spec("rte").render(EXAMPLES["rte"]), request).reason == "copied an example"


def test_prompts_carry_definition_examples_feedback_and_the_ood_instruction():
    task = spec("rte")
    feedback = {**EXAMPLES["rte"], "id": "f", "text1": "A storm hit the coast of the island."}
    request = synthesis.train_request(task, [EXAMPLES["rte"]], [feedback], synthesis.Sampling(), 0, 0)
    assert task.definition in request.prompt and task.render(EXAMPLES["rte"]) in request.prompt
    assert task.render(feedback) in request.prompt and request.constraint == "gold_rte"
    ood = synthesis.ood_request(task, [EXAMPLES["rte"]], [feedback], synthesis.Sampling(), 0, 0)
    assert "topic and writing style are clearly different" in ood.prompt and task.render(feedback) in ood.prompt
    zerogen = synthesis.train_request(task, [EXAMPLES["rte"]], [], synthesis.Sampling(), 0, 0, label=1)
    assert "with the label not_entailment" in zerogen.prompt and zerogen.metadata["fields"] == {"label": 1}


@pytest.mark.parametrize("task_name", TASKS)
def test_the_scripted_teacher_writes_parseable_samples_and_answers(task_name):
    task = spec(task_name)
    example = EXAMPLES[{"classification": "rte", "qa": "squad", "math": "svamp", "generation": "nl4opt"}[task.kind]]
    parse = synthesis.sample_parser(task)
    kept = 0
    for i in range(20):
        request = synthesis.train_request(task, [example], [], synthesis.Sampling(), 0, i)
        kept += parse(respond(request), request).ok
        ood = synthesis.ood_request(task, [example], [], synthesis.Sampling(), 0, i)
        kept += parse(respond(ood), ood).ok
    assert kept >= 30
    answer = synthesis.answer_request(task, [example], example, synthesis.Sampling(), 0, 0)
    assert synthesis.answer_parser(task)(respond(answer)).ok
    assert task.render(example).splitlines()[-1] not in answer.prompt.split("Now give")[1]  # the answer is hidden


def test_nl4opt_formulation_is_readable():
    raw = {"objective": {"direction": "maximize", "name": "profit", "terms": {"x": "3", "y": "2"}},
           "constraints": [{"type": "linear", "operator": "LESS_OR_EQUAL", "limit": "10", "terms": {"x": "1"}},
                           {"type": "xy", "operator": "GREATER_OR_EQUAL", "x_var": "y", "y_var": "x"}]}
    assert formulation(raw) == "maximize profit = 3 x + 2 y; 1 x <= 10; y >= x"


@pytest.mark.parametrize("params, message", [
    ({"band": [0.8, 0.5]}, "band"), ({"band": [0.5]}, "band"), ({"tasks": ["mnli"]}, "unknown task"),
    ({"methods": ["s3"]}, "unknown method"), ({"loss": "mse"}, "loss"), ({"per_iteration": 0}, "per_iteration"),
])
def test_bad_configs_fail_before_any_work(params, message):
    with pytest.raises(ConfigError, match=message):
        GoldConfig.from_profile("smoke", params)


def test_iterations_cover_the_sample_budget():
    assert GoldConfig.from_profile("paper").iterations == 375


def test_gold_formats_are_registered_outside_the_shared_registry():
    from synthlib.tasks.formats import FORMATS, OutputFormat, get_format, register_format

    assert get_format("gold_rte").fields == ["premise", "hypothesis", "label"]
    assert "gold_rte" not in FORMATS  # a method's own formats stay out of the shared registry
    clash = OutputFormat("gold_rte", "other", ("gold",), "tagged", (), "x")
    with pytest.raises(ValueError, match="already registered"):
        register_format(clash)
