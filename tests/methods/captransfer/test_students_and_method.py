"""Trajectories land on the checkpoint schedule (step 0 included); every target is scored by the same
teacher-made metric on the same held-out rows."""

import pytest

from synthlib.methods.captransfer import CaptransferConfig
from synthlib.methods.captransfer import method as method_module
from synthlib.methods.captransfer.students import StudentRecipe, answer_accuracy, first_paragraph, train_trajectory

ROWS = [{"source": f"Summary: item {i} is here.\nQuestion: is item {i} here?\nAnswer yes or no:",
         "target": "yes" if i % 3 else "no"} for i in range(10)]


def test_trajectory_points_land_on_the_schedule_including_step_0():
    recipe = StudentRecipe("tiny-random-gpt2", batch_size=2, eval_every=2, max_length=64)
    seen = []

    def evaluate(student, recipe_):
        seen.append(student.model.training)
        return answer_accuracy(student, ROWS[:4], recipe_)

    points = train_trajectory(recipe, ROWS, evaluate, seed=0)
    assert [p["step"] for p in points] == [0, 2, 4, 5]  # 10 rows / batch 2 = 5 steps; the last step too
    assert not any(seen)  # evaluated in eval mode
    assert all(0 <= p["score"] <= 100 and 0 <= p["yes_share"] <= 100 for p in points)


def test_lora_students_train_adapters_only():
    recipe = StudentRecipe("tiny-random-gpt2", lora=True, lora_r=4, batch_size=5, eval_every=1, max_length=64)
    points = train_trajectory(recipe, ROWS, lambda s, r: {"score": float(hasattr(s.model, "peft_config"))}, seed=1)
    assert [p["step"] for p in points] == [0, 1, 2] and all(p["score"] == 1.0 for p in points)


def test_first_paragraph_cuts_at_a_blank_line():
    assert first_paragraph("  One. Two.\n\nArticle: more") == "One. Two."


def test_config_errors_name_the_fix():
    with pytest.raises(Exception, match="lora_students"):
        CaptransferConfig.from_profile("smoke", {"lora_students": ["not a model"]})
    with pytest.raises(Exception, match="empty train or eval split"):
        CaptransferConfig.from_profile("smoke", {"articles": 2, "eval_share": 0.1})
    with pytest.raises(Exception, match="unknown target"):
        CaptransferConfig.from_profile("smoke", {"targets": ["highlights"]})
    with pytest.raises(Exception, match="set both to 5 or constrained=false"):
        CaptransferConfig.from_profile("smoke", {"constrained": True, "keywords": 4})


@pytest.mark.slow
def test_every_target_is_scored_by_the_teachers_metric_on_the_same_rows(use_mirror, monkeypatch):
    calls = []
    real_score = method_module.keyword_score

    def recording(student, rows, recipe):
        calls.append([(r["id"], tuple(r["keywords"])) for r in rows])
        return real_score(student, rows, recipe)

    monkeypatch.setattr(method_module, "keyword_score", recording)
    config = CaptransferConfig.from_profile("smoke", {
        "tasks": ["summarization"], "targets": ["synthetic", "human", "gpt4"], "articles": 10, "seeds": [0],
        "article_words": 40, "summary_tokens": 6, "max_length": 96, "eval_every": 2, "batch_size": 4})
    result = method_module.run(config, None, progress=lambda message: None)
    data = result.data["summarization"]
    teacher_keywords = {i: tuple(v["keywords"]) for i, v in data.synthesis.values.items()}
    assert calls and all(call == calls[0] for call in calls)  # one metric, one set of held-out rows
    assert all(teacher_keywords[i] == k for i, k in calls[0])  # ... made of the teacher's own keywords
    human, synthetic = data.train["human"], data.train["synthetic"]
    assert [r["id"] for r in human] == [r["id"] for r in synthetic]
    assert set(result.trajectories["target"]) == {"synthetic", "human", "gpt4"}
    assert (result.trajectories.groupby(["target", "seed"])["step"].min() == 0).all()
    assert result.stand_in
