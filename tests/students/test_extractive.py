"""The extractive QA student: span labels land on the answer, a fit learns to point at it."""

import pytest

from synthlib.students.extractive import load_extractive, predict_spans, span_features, train_extractive
from synthlib.students.training import TrainSettings

ROWS = [{"question": f"Who painted picture {k}?", "context": f"Picture {k} was painted by {name} in Paris.",
         "answer": name} for k, name in enumerate(["Monet", "Renoir", "Degas", "Manet"] * 4)]


def test_span_labels_point_at_the_answer_tokens():
    student = load_extractive("tiny-random-bert")
    features = span_features(student.tokenizer, [r["question"] for r in ROWS[:4]], [r["context"] for r in ROWS[:4]],
                             [r["answer"] for r in ROWS[:4]], max_length=48)
    for row, source in enumerate(ROWS[:4]):
        start, end = features["start_positions"][row], features["end_positions"][row]
        a, b = features["offset_mapping"][row][start][0], features["offset_mapping"][row][end][1]
        assert source["context"][a:b] == source["answer"]
    missing = span_features(student.tokenizer, ["q"], ["no such name here"], ["Monet"], max_length=16)
    assert missing["start_positions"] == [0] and missing["end_positions"] == [0]  # [CLS]: not in the window


@pytest.mark.slow
def test_minilm_learns_to_point_at_the_painter():
    student = load_extractive("minilm", seed=0)
    train_extractive(student, ROWS, TrainSettings(epochs=8, learning_rate=1e-4, batch_size=8, max_length=48))
    predictions = predict_spans(student, [r["question"] for r in ROWS[:4]], [r["context"] for r in ROWS[:4]],
                                max_length=48)
    assert sum(p == r["answer"] for p, r in zip(predictions, ROWS[:4], strict=True)) >= 3, predictions
