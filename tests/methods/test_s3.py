"""S3: prompts, parsing with counted rejections, baselines at equal budget, the one-parameter teacher."""

from __future__ import annotations

import pytest

from synthlib.config import ConfigError
from synthlib.methods.s3 import S3Config
from synthlib.methods.s3.learners import BagOfWordsLearner
from synthlib.methods.s3.method import TaskData, open_teacher, synthesize_task
from synthlib.methods.s3.scripted import scripted_s3_teacher
from synthlib.methods.s3.synthesis import (
    ExtrapolationPrompts,
    Sampling,
    parse_rationales,
    part_parser,
    rationale_requests,
    seed_from_contexts,
    seed_plain,
    seed_with_rationales,
)
from synthlib.methods.s3.tasks import spec
from synthlib.teachers.base import Request
from synthlib.teachers.parsing import ParseReport, safe_parse


def test_prompts_follow_the_structure_of_table_1():
    imdb, rte, qa = spec("imdb"), spec("rte"), spec("adversarial_qa")
    requests = rationale_requests(imdb, k=7, calls=1, sampling=Sampling(), seed=0)
    assert [r.metadata["s3"]["label"] for r in requests] == [0, 1]
    assert "7 different reasons" in requests[1].prompt and "positive impression" in requests[1].prompt
    parent = {"id": "p1", "text1": "The cat sat on the mat.", "text2": "A dog sat.", "label": 1}
    (request,) = ExtrapolationPrompts(rte, Sampling()).build([parent], round_index=1)
    assert request.prompt.startswith("The cat sat on the mat.\nBased on the description above")
    assert '"A dog sat." is definitely wrong' in request.prompt  # RTE label words: correct / wrong
    assert request.metadata["parent_id"] == "p1" and request.metadata["fields"] == {"text1": parent["text1"], "label": 1}
    review = {"id": "r", "text": "Dull and long.", "label": 0}
    (single,) = ExtrapolationPrompts(imdb, Sampling()).build([review], 2)
    assert "Here is a negative movie review:\nDull and long." in single.prompt and single.seed == 2000
    qa_parent = {"id": "q", "context": "Paris is in France.", "question": "Where is Paris?", "answer": "France"}
    (qa_request,) = ExtrapolationPrompts(qa, Sampling()).build([qa_parent], 1)
    assert '"France" is the answer to: Where is Paris?' in qa_request.prompt
    assert qa_request.metadata["fields"]["answers"] == ["France"]


def test_parsing_counts_each_rejection_reason():
    parse = part_parser(spec("rte"), plain=False)
    parent_request = Request(prompt="x", metadata={"s3": {"parent": {"text2": "The man is asleep now."}}})
    outcomes = [safe_parse(lambda t: parse(t, parent_request), text) for text in (
        "[hypothesis] The man is awake and walking.", "no tag at all", "[hypothesis] Too short",
        "[hypothesis] The man is asleep now.", "", "[hypothesis]  ")]
    report = ParseReport()
    for outcome in outcomes:
        report.add(outcome)
    assert outcomes[0].value == {"text2": "The man is awake and walking."}
    assert report.kept == 1 and report.reasons == {"off-format (no tags)": 1, "too short [text2]": 1,
                                                   "copied the example": 1, "empty output": 1,
                                                   "empty [hypothesis]": 1}
    qa = part_parser(spec("adversarial_qa"), plain=True)
    assert qa("[context] Oslo is cold in winter. [question] What is cold in winter? [answer] Lima").reason == \
        "answer not in context"
    assert parse_rationales("1. great acting\n2) a sharp script\n- great acting\nnot a list item").value == \
        ["great acting", "a sharp script"]
    assert parse_rationales("I like movies.").reason == "no rationale list"


def test_seed_synthesis_draws_labels_rationales_and_contexts():
    teacher = scripted_s3_teacher()
    rows, report = seed_with_rationales(spec("imdb"), teacher, n=12, k_rationales=6, k_draw=2, sampling=Sampling(),
                                        seed=3)
    assert len(rows) == 12 and report["parse"]["parse_rate"] == 1.0
    assert {r["label"] for r in rows} == {0, 1}
    sample_calls = [c for c in teacher.calls if c.metadata["s3"]["step"] == "query_rationale"]
    for call, row in zip(sample_calls, rows, strict=True):
        drawn = call.metadata["s3"]["rationales"]
        assert len(drawn) == 2 and set(drawn) <= set(report["rationales"][spec("imdb").label_names[row["label"]]])
        assert all(d in call.prompt for d in drawn)
    more, _ = seed_with_rationales(spec("imdb"), scripted_s3_teacher(), 20, 6, 2, Sampling(), 3)
    assert [r["text"] for r in more[:12]] == [r["text"] for r in rows]  # a larger seed extends a smaller one
    pool = [{"text1": "The museum in Oslo opened in 1902 after a long debate."}]
    pairs, _ = seed_from_contexts(spec("rte"), scripted_s3_teacher(), 6, pool, Sampling(), 0)
    assert all(r["text1"] == pool[0]["text1"] and r["label"] in (0, 1) and r["text2"] for r in pairs)


def test_baselines_get_the_same_budget(use_mirror, tmp_path):
    config = S3Config(profile="smoke", teacher="stand-in-scripted", tasks=["rte"], seed_size=30, probe_rows=40,
                      test_rows=20, k_rationales=6, replication=False)
    data = synthesize_task("rte", config, scripted_s3_teacher(), tmp_path, progress=lambda m: None,
                           learner=lambda task, cfg: BagOfWordsLearner(task))
    s3 = data.loops["s3"]
    size = len(data.sets["s3"])
    assert size > config.seed_size  # the rounds added data
    assert len(data.sets["without_ees"]) == len(data.sets["zerogen"]) == size
    goldgen = data.loops["goldgen"]
    for k in (1, 2):
        assert len(goldgen.rows_of_round(k)) == max(1, s3.rounds[k - 1]["errors"])  # GoldGen: S3's budget per round
    assert len(data.sets["gold"]) == 40
    assert all(r["origin"] == "zerogen" for r in data.sets["zerogen"])
    assert {r["label"] for r in data.sets["zerogen"]} == {0, 1}


def test_the_teacher_is_one_parameter(tmp_path, monkeypatch):
    from synthlib.teachers.fake_server import FaultyServer

    assert open_teacher("stand-in-scripted").signature.backend == "scripted"
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path))
    with FaultyServer() as server:
        config = S3Config(profile="smoke", teacher=f"openai:fake-model@{server.base_url}")
        teacher = open_teacher(config.teacher, cache_path=tmp_path / "cache.sqlite")
        rows, report = seed_plain(spec("imdb"), teacher, 4, Sampling(), seed=0)
        assert server.calls == 4 and teacher.signature.backend == "openai"
        # the request goes out as chat with an answer turn prefilled with "[text]"; the fake server's reply
        # ("reply <digest> to <end of the request>") comes back as the continuation of that turn
        assert len(rows) == 4 and report["parse"]["kept"] == 4
        assert all(row["text"].startswith("reply ") for row in rows)
    with pytest.raises(ConfigError, match="teacher"):
        S3Config(profile="smoke", teacher="not a model")


def test_config_rejects_unknown_tasks_and_methods():
    with pytest.raises(ConfigError, match="unknown task 'sst5'"):
        S3Config(profile="smoke", tasks=["sst5"])
    with pytest.raises(ConfigError, match="must include 's3'"):
        S3Config(profile="smoke", methods=["zerogen"])
    assert TaskData(spec("qnli"), [], []).sets == {}


def test_shared_work_dir_is_keyed_by_what_the_loops_make(tmp_path, monkeypatch):
    """The chapter and its ablations share loops only when every loop-deciding field agrees."""
    from synthlib.methods.s3 import S3Config, _work_dir

    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path))
    base = S3Config(work_dir="shared")
    same = S3Config(work_dir="shared", tasks=["imdb"], replication=False)  # not a loop field
    other = S3Config(work_dir="shared", learning_rate=1e-4)  # students differ: other loops
    assert _work_dir(base, None) == _work_dir(same, None)
    assert _work_dir(base, None) != _work_dir(other, None)
    assert _work_dir(base, None).parent == tmp_path / "s3-loops"


def test_zerogen_rte_asks_for_a_whole_pair_with_worked_examples_of_its_class(monkeypatch):
    """A base-model teacher gets RTE train pairs of the requested class as few-shots; under constrained
    decoding (the hf backend) the nli_pair skeleton is forced, so the prompt ends with the bare instruction."""
    from synthlib.tasks import examples
    from synthlib.teachers import delivery as delivery_module
    from synthlib.teachers.delivery import DeliveringTeacher, Delivery
    from synthlib.teachers.scripted import ScriptedTeacher

    rows = [{"text1": f"Premise number {i} about a town and its café.", "text2": f"Hypothesis {i} holds here.",
             "label": i % 2} for i in range(8)]
    pool = tuple(examples._nli_pair(rows, None, 160))
    monkeypatch.setattr(delivery_module, "worked_examples", lambda name: pool if name == "nli_pair" else ())
    inner = ScriptedTeacher(lambda r: "[premise] A cat sleeps on the warm mat.\n[hypothesis] An animal is resting.\n"
                                      "[label] entailment")
    rows_out, report = seed_plain(spec("rte"), DeliveringTeacher(inner, Delivery("fewshot")), 6, Sampling(), seed=0)
    for sent in inner.calls:
        wanted = spec("rte").label_names[sent.metadata["fields"]["label"]]
        shown = [line.removeprefix("[label] ") for line in sent.prompt.splitlines() if line.startswith("[label]")]
        assert shown == [wanted] * 3  # three examples, all of the requested class
        assert sent.prompt.endswith("hypothesis that is wrong given the premise.\n" if wanted == "not_entailment"
                                    else "hypothesis that is correct given the premise.\n")
        assert sent.constraint == "nli_pair" and "Answer in the form" not in sent.prompt
    assert report["parse"]["kept"] == 6
    assert rows_out[0]["text1"] == "A cat sleeps on the warm mat." and rows_out[0]["text2"] == "An animal is resting."
    assert {row["label"] for row in rows_out} == {0, 1}  # the requested label, whatever the teacher wrote


def test_zerogen_adversarial_qa_asks_for_an_extractive_sample_with_cloze_examples(monkeypatch):
    """ZeroGen's AdversarialQA requests carry the extractive_qa constraint (the hf backend forces its
    skeleton and copies the answer from the context) and, for a base model, Wikipedia cloze examples."""
    import random

    from synthlib.tasks import examples
    from synthlib.teachers import delivery as delivery_module
    from synthlib.teachers.delivery import DeliveringTeacher, Delivery
    from synthlib.teachers.scripted import ScriptedTeacher

    rows = [{"text": f"Town {i} is a small town in the hills of Zürich, known for its old stone bridge and its market. "
                     f"Its bridge was built in {1800 + i} by the town council.", "_source": "wikipedia"}
            for i in range(6)]
    pool = tuple(examples._extractive_qa(rows, random.Random(0), 160))
    monkeypatch.setattr(delivery_module, "worked_examples", lambda name: pool if name == "extractive_qa" else ())
    inner = ScriptedTeacher(lambda r: "[context] Lake Ohrid  lies between  Albania and North Macedonia and is over "
                                      "a million years old, one of the oldest lakes of Europe and very deep.\n"
                                      "[question] Which two countries share the lake?\n[answer] albania and NORTH")
    rows_out, report = seed_plain(spec("adversarial_qa"), DeliveringTeacher(inner, Delivery("fewshot")), 3, Sampling(),
                                  seed=0)
    assert all(sent.constraint == "extractive_qa" for sent in inner.calls)
    assert all("in what year by the town council?" in sent.prompt for sent in inner.calls)  # the worked examples
    assert report["parse"]["kept"] == 3
    # the context is single-spaced, so the student finds the answer (case aside) where the teacher copied it
    assert rows_out[0]["context"].lower().find(rows_out[0]["answer"].lower()) > 0
    assert rows_out[0]["answers"] == ["albania and NORTH"]


def test_every_labelled_request_names_its_class_for_the_delivery():
    """RTE prompts word labels as correct/wrong; the request carries the label's name for few-shot delivery."""
    from synthlib.teachers.scripted import ScriptedTeacher

    rte = spec("rte")
    seen = ScriptedTeacher(lambda r: "[hypothesis] A museum opened in Oslo.")
    seed_from_contexts(rte, seen, 4, [{"text1": "The museum in Oslo opened in 1902."}], Sampling(), 0)
    parent = {"id": "p", "text1": "The museum in Oslo opened in 1902.", "text2": "It is old.", "label": 1}
    requests = [*seen.calls, *ExtrapolationPrompts(rte, Sampling(), samples_per_error=2).build([parent], 1)]
    assert all(r.metadata["option"] == rte.label_names[r.metadata["fields"]["label"]] for r in requests)
    assert {r.metadata["option"] for r in requests[-2:]} == {"not_entailment"}


def test_the_rationale_ablation_says_when_no_rationale_parsed():
    from synthlib.methods.s3.report import rationale_fallback_note

    reports = {"seed-120": {"plain_fallback": ["negative", "positive"],
                            "rationale_parse": {"total": 2, "kept": 0, "reasons": {"no rationale list": 2}}},
               "seed-plain-120": {"parse": {"total": 120, "kept": 120, "reasons": {}}}}
    note = rationale_fallback_note(reports)
    assert "No rationales for negative, positive" in note and "no rationale list: 2" in note
    assert rationale_fallback_note({"seed-120": {"plain_fallback": []}, "seed-plain-120": {}}) == ""
    assert rationale_fallback_note({}) == ""
