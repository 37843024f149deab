"""SCE against its formula, and the students' energies against their own logits (tiny models)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synthlib.methods.gold import GoldConfig
from synthlib.methods.gold.method import student_settings
from synthlib.methods.gold.students import GoldStudent, StudentSettings, scores
from synthlib.methods.gold.tasks import spec


def _softmax(row):
    e = np.exp(np.array(row) - max(row))
    return e / e.sum()


def test_sce_matches_lambda_rce_plus_sigma_ce():
    import torch

    from synthlib.students.losses import compute_loss

    logits = [[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [-2.0, 3.0, 0.0]]
    labels = [0, 2, 1]
    p = [_softmax(row)[y] for row, y in zip(logits, labels, strict=True)]
    ce = -np.mean(np.log(p))
    rce = np.mean([4.0 * (1.0 - q) for q in p])  # -sum_k p_k log q_k with log 0 = A = -4
    for lam, sigma in [(1.0, 0.1), (1.0, 0.01), (0.5, 1.0)]:
        got = compute_loss("sce", torch.tensor(logits), torch.tensor(labels), lam, sigma).item()
        assert got == pytest.approx(lam * rce + sigma * ce, rel=1e-5)


def test_sce_ignores_padding_positions_of_seq2seq_targets():
    import torch

    from synthlib.students.losses import compute_loss

    logits = torch.tensor([[[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]]])  # [batch 1, 3 steps, vocab 2]
    labels = torch.tensor([[0, 1, -100]])
    p = [_softmax([1.0, 0.0])[0], _softmax([0.0, 2.0])[1]]
    expected = np.mean([4.0 * (1 - q) for q in p]) + 0.1 * -np.mean(np.log(p))
    assert compute_loss("sce", logits, labels, 1.0, 0.1).item() == pytest.approx(expected, rel=1e-5)


def test_config_lambda_and_sigma_reach_the_student():
    config = GoldConfig.from_profile("smoke", {"sce_lambda": 0.7, "sce_sigma": 0.25})
    settings = student_settings(config, spec("rte"))
    assert (settings.loss, settings.sce_lambda, settings.sce_sigma, settings.mode) == ("sce", 0.7, 0.25, "classifier")
    assert student_settings(config, spec("squad")).mode == "seq2seq"
    assert student_settings(GoldConfig.from_profile("smoke", {"text_to_text": True}), spec("rte")).mode == "seq2seq"
    causal = GoldConfig.from_profile("smoke", {"seq2seq_student": "gemma-3-270m"})
    assert student_settings(causal, spec("svamp")).mode == "causal"  # a packaged LLM as the text-to-text student


ROWS = [{"id": "a", "text1": "A man walks in the park.", "text2": "A man is outside.", "label": 0},
        {"id": "b", "text1": "The shop is closed today.", "text2": "The shop is open.", "label": 1}]


def test_classifier_student_energy_is_minus_logsumexp_of_its_logits():
    import datasets

    from synthlib.students import predict_classes

    student = GoldStudent(spec("rte"), StudentSettings("tiny-random-bert", "classifier", epochs=1.0, batch_size=2,
                                                        max_length=32))
    student.update(ROWS)
    predictions, energies = student.probe(ROWS)
    table = datasets.Dataset.from_list([{"text1": r["text1"], "text2": r["text2"]} for r in ROWS])
    logits = predict_classes(student.student, table, ("text1", "text2"), max_length=32).logits
    assert energies == pytest.approx([-math.log(np.exp(row).sum()) for row in logits], abs=1e-5)
    assert predictions == [int(np.argmax(row)) for row in logits]


def test_seq2seq_student_gives_one_finite_energy_per_row_and_reads_labels():
    student = GoldStudent(spec("rte"), StudentSettings("tiny-random-t5", "seq2seq", epochs=1.0, batch_size=2,
                                                        max_length=32))
    student.update(ROWS)
    predictions, energies = student.probe(ROWS)
    assert len(energies) == 2 and all(math.isfinite(e) for e in energies)
    assert all(p in (-1, 0, 1) for p in predictions)


def test_a_causal_text_to_text_student_trains_and_answers_a_math_task():
    rows = [{"id": str(k), "problem": f"Tom has {k} apples and buys 2 more. How many now?", "answer": str(k + 2)}
            for k in range(4)]
    task = spec("svamp")
    student = GoldStudent(task, StudentSettings("tiny-random-gpt2", "causal", epochs=1.0, batch_size=2,
                                                max_length=48))
    student.update(rows)
    predictions, energies = student.probe(rows)
    assert student.student.kind == "causal" and len(predictions) == 4
    assert all(math.isfinite(e) for e in energies)


def test_a_classifier_student_refuses_a_generation_task():
    with pytest.raises(ValueError, match="seq2seq"):
        GoldStudent(spec("squad"), StudentSettings("tiny-random-bert", "classifier"))


def test_scores_per_task_kind():
    assert scores(spec("rte"), ROWS, [0, 0])["accuracy"] == 50.0
    qa = [{"answers": ["Paris", "in Paris"]}, {"answers": ["1850"]}]
    assert scores(spec("squad"), qa, ["paris", "1851"])["exact_match"] == 50.0
    math_rows = [{"answer": "51"}, {"answer": "2.5"}]
    assert scores(spec("svamp"), math_rows, ["51.0", "the answer is 2.50"])["accuracy"] == 100.0
    assert scores(spec("nl4opt"), [{"formulation": "maximize x + y"}], ["maximize x + y"])["rouge_l"] == 100.0
