"""Delivery: each request reaches a real teacher in the form it answers best, before the cache."""

import dataclasses

import pytest

from synthlib.tasks.examples import Example
from synthlib.tasks.formats import get_format
from synthlib.teachers import CachedTeacher, Request, SamplingParams
from synthlib.teachers import delivery as delivery_module
from synthlib.teachers.delivery import (
    DATA_WRITER,
    DeliveringTeacher,
    Delivery,
    first_tag,
    requested_option,
    style_of,
    without_format_line,
)
from synthlib.teachers.hf import HFTeacher, tiny_random_teacher

SENTIMENT = get_format("sentiment")


def _review(label: str, **kw) -> Request:
    return Request(prompt=SENTIMENT.prompt(label=label), metadata={"format": "sentiment"}, **kw)


@pytest.fixture
def fake_examples(monkeypatch):
    pool = tuple(Example("sentiment", SENTIMENT.prompt(label=label),
                         SENTIMENT.render({"text": f"example {i} of a {label} film review", "label": label}), "sst2",
                         ()) for i in range(6) for label in ("positive", "negative"))
    monkeypatch.setattr(delivery_module, "worked_examples", lambda name: pool if name == "sentiment" else ())
    return pool


def test_chat_delivery_adds_the_data_writer_and_prefills_the_first_tag():
    adapted = Delivery("chat").adapt(_review("negative"))
    assert adapted.prompt is None and [m["role"] for m in adapted.messages] == ["system", "user", "assistant"]
    assert adapted.messages[0]["content"] == DATA_WRITER and adapted.messages[-1]["content"] == "[text]"
    constrained = Delivery("chat").adapt(dataclasses.replace(_review("negative"), constraint="sentiment"))
    assert [m["role"] for m in constrained.messages] == ["system", "user"]  # the decoder writes the skeleton
    served = Delivery("chat", honours_constraints=False).adapt(dataclasses.replace(_review("x"), constraint="nli"))
    assert served.messages[-1]["content"] == "[hypothesis]"  # a server ignores constraints: prefill instead


def test_first_tag_comes_from_the_format_or_the_answer_line():
    assert first_tag(Request(prompt="q", constraint="craft_qa")) == '{"question": "'
    assert first_tag(Request(prompt="Write one.\nAnswer in the form: [premise] <p> [hypothesis] <h>")) == "[premise]"
    assert first_tag(Request(prompt="List 5 reasons.")) == ""


def test_the_requested_class_is_read_from_the_instruction():
    options = ("entailment", "not_entailment")
    assert requested_option(Request(prompt=get_format("nli").prompt(premise="p", label="not_entailment")),
                            options) == "not_entailment"
    assert requested_option(Request(prompt=get_format("nli").prompt(premise="p", label="entailment")),
                            options) == "entailment"
    assert requested_option(Request(prompt="Write a review.", metadata={"option": "entailment"}), options) == \
        "entailment"
    assert requested_option(Request(prompt="Write any hypothesis."), options) is None


def test_fewshot_delivery_shows_examples_of_the_requested_class_only(fake_examples):
    for label, other in (("negative", "positive"), ("positive", "negative")):
        adapted = Delivery("fewshot").adapt(_review(label, seed=3))
        shots = adapted.prompt.split("\n\n")[:-1]
        assert len(shots) == 3 and all(s.endswith(f"[label] {label}") for s in shots)
        assert not any(f"{other} film review" in s for s in shots)
        assert adapted.prompt.endswith(f"Write a {label} movie review sentence and label it.\nAnswer:\n[text]")
        assert "Format:" not in adapted.prompt  # no answer line with placeholders to copy: the examples show the form
        assert "\n\n" in adapted.sampling.stop  # the answer ends before the next example would start
    other_index = Delivery("fewshot").adapt(_review("negative", seed=3, sample_index=1)).prompt
    assert other_index != Delivery("fewshot").adapt(_review("negative", seed=3)).prompt  # shots vary per sample


def test_the_answer_line_goes_only_where_examples_show_the_form(fake_examples):
    s3_imdb = "Write a négative movie review.\nAnswer in the form: [text] <the review>"
    assert without_format_line(s3_imdb) == "Write a négative movie review."
    assert without_format_line("Format: [q] ...") == "Format: [q] ..."  # nothing else left: keep it
    assert without_format_line("Explain the formation: of stars.  ") == "Explain the formation: of stars."
    no_shots = Delivery("fewshot").adapt(Request(prompt=s3_imdb, constraint="craft_qa"))  # a method's own format
    assert no_shots.prompt.startswith(s3_imdb)  # no worked examples: the answer line is all the model has


def test_fewshot_delivery_leaves_a_free_continuation_alone():
    # no output format: no examples to show, and no newline or stop may change where the text goes on
    request = Request(prompt="Q: What is the capital of Italy?\nA: Rome\nQ: What is the capital of France?\nA:")
    assert Delivery("fewshot").adapt(request) == request


def test_style_follows_the_model():
    tiny = tiny_random_teacher("tiny-random-gpt2")
    assert style_of(tiny) == "plain"  # a tiny random model is a test fixture: requests pass unchanged
    base = HFTeacher(tiny.model, tiny.tokenizer, name="gemma-3-270m")
    assert style_of(base) == "fewshot"
    tiny.tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    try:
        assert style_of(HFTeacher(tiny.model, tiny.tokenizer, name="qwen2.5-coder-0.5b-instruct")) == "chat"
    finally:
        tiny.tokenizer.chat_template = None


def test_the_cache_keys_the_delivered_prompt_and_a_rerun_calls_no_model(tmp_path, fake_examples):
    tiny = tiny_random_teacher("tiny-random-gpt2")
    backend = HFTeacher(tiny.model, tiny.tokenizer, name="a-base-lm", batch_size=4)
    sampling = SamplingParams(max_new_tokens=6, temperature=0.8)
    requests = [_review(label, sampling=sampling, sample_index=i) for i, label in enumerate(["negative", "positive"])]
    first = DeliveringTeacher(CachedTeacher(backend, tmp_path / "c.sqlite", progress=False), Delivery("fewshot"))
    texts = [g.text for g in first.generate(requests)]
    assert all(t.startswith("[text]") for t in texts) and first.stats.misses == 2
    again = DeliveringTeacher(CachedTeacher(backend, tmp_path / "c.sqlite", progress=False), Delivery("fewshot"))
    assert [g.text for g in again.generate(requests)] == texts and again.stats.hits == 2
    stored = again.inner.lookup([])  # the proxy exposes the cache's own methods
    assert stored == {}
