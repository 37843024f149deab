"""SoftSRV method: filters (a planted test question is decontaminated), answers, the sandbox-only
MBPP scoring, PT parsing and refinement, config checks, and a small end-to-end run (slow)."""

import json

import pytest

from synthlib.config import ConfigError
from synthlib.methods.softsrv import SoftsrvConfig
from synthlib.methods.softsrv.scripted import scripted_softsrv_teacher
from synthlib.methods.softsrv.synthesis import answer, filter_questions, pt_questions, refine
from synthlib.methods.softsrv.tasks import TaskData, extract_code, final_number, parse_answer

TEST_QUESTION = ("Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for "
                 "her friends every day with four. How much does she make every day at the farmers' market?")
POOL = [f"Ana has {n} pears and gives {n // 2} of them to her brother on a sunny day. How many pears are left?"
        for n in range(2, 40)] + [f"A train travels {n} miles in {n % 7 + 1} hours. What is its average speed?"
                                  for n in range(10, 40)]


def _data(test=(TEST_QUESTION,)):
    return TaskData("gsm8k", [{"question": q, "answer": "The answer is 1."} for q in POOL[:5]],
                    [{"question": q, "final": "18", "prompt": q} for q in test])


def test_decontamination_drops_a_planted_test_question():
    # the plant differs in digits and punctuation only: both are removed before 13-grams are compared
    planted = TEST_QUESTION.replace("16", "61").replace("?", "!!").replace("'", "")
    kept, report = filter_questions(POOL + [planted, POOL[0]], _data(), target=20, clusters=0, svd_dims=100, seed=0,
                                    diversify=False)
    assert planted not in kept and len(kept) == len(POOL)
    counts = report.counts()
    assert counts["contaminated"] == 1 and counts["exact_duplicate"] == 1
    kept_all, _ = filter_questions(POOL + [planted], _data(test=("An unrelated question about trains?",)), 20, 0, 100,
                                   0, diversify=False)
    assert planted in kept_all  # nothing to match: the plant stays


def test_diversify_keeps_n_s_spread_over_both_templates():
    kept, report = filter_questions(POOL, _data(), target=10, clusters=0, svd_dims=100, seed=0)
    assert len(kept) == 10 and report.counts()["diversity_subsampled"] == len(POOL) - 10
    assert any("pears" in q for q in kept) and any("train" in q for q in kept)


def test_generated_code_runs_only_in_the_sandbox(tmp_path, monkeypatch):
    import synthlib.metrics.code as code
    from synthlib.methods.softsrv.students import mbpp_pass_at_1

    marker = tmp_path / "ran_outside.txt"
    calls = []
    original = code.run_python
    monkeypatch.setattr(code, "run_python", lambda source, limits: calls.append(source) or original(source, limits))
    rows = [{"tests": ["assert add(2, 3) == 5"], "setup": ""}, {"tests": ["assert add(1, 1) == 2"], "setup": ""}]
    good = "def add(a, b):\n    return a + b"
    hostile = f"open({str(marker)!r}, 'w').write('escaped')\ndef add(a, b):\n    return a + b"
    assert mbpp_pass_at_1([good, hostile], rows) == 0.5  # the sandbox refuses the write: that program fails
    assert len(calls) == 2 and not marker.exists()
    # parsing a teacher's answer (MBPP training targets) never executes it either
    parsed = parse_answer("mbpp", f"```python\n{hostile}\n```")
    assert parsed.ok and not marker.exists()


@pytest.mark.parametrize(("task", "text", "ok", "value"), [
    ("gsm8k", "She has 3 + 4 = 7 left. The answer is 7.", True, None),
    ("gsm8k", "I cannot tell.", False, "no number"),
    ("mbpp", "Here:\n```python\ndef f(x):\n    return x\n```\nDone.", True, "def f(x):\n    return x"),
    ("mbpp", "```python\ndef f(x) return\n```", False, "syntax error"),
    ("mbpp", "Use sorted().", False, "no function"),
    ("boolq", "Yes, the passage says so.", True, "true"),
    ("boolq", "False.", True, "false"),
    ("boolq", "It depends.", False, "no label word"),
])
def test_answers_become_student_targets_or_counted_rejections(task, text, ok, value):
    parsed = parse_answer(task, text)
    assert parsed.ok == ok
    if value is not None:
        assert (parsed.value if ok else parsed.reason) == value


def test_final_number_and_code_extraction():
    assert final_number("so 1,200.0 apples") == "1200" and final_number("2.50") == "2.5" and final_number("none") is None
    assert extract_code("```python\ndef g():\n    pass\n```") == "def g():\n    pass"
    assert extract_code("def h(): return 1\nQuestion: next") == "def h(): return 1"


def test_pt_questions_refinement_and_answers_with_the_scripted_teacher():
    teacher = scripted_softsrv_teacher()
    questions, report = pt_questions("gsm8k", teacher, POOL[:3], n=25, temperature=2.0, max_new_tokens=64, seed=0)
    assert len(questions) == 25 and report.total == 3 and report.parse_rate == 1.0
    assert all("Question" not in q for q in questions)
    assert teacher.calls[0].sampling.temperature == 2.0 and "10 different" in teacher.calls[0].prompt
    refined, counts = refine("gsm8k", teacher, questions[:10], rounds=2, max_new_tokens=32, seed=0)
    assert len(refined) == 10 and sum(counts.values()) == 20
    pairs, parsed = answer("gsm8k", teacher, refined, template=False, max_new_tokens=32, seed=0)
    assert parsed.total == 10 and len(pairs) == parsed.kept
    plain = teacher.calls[-1].messages[0]["content"]
    assert plain == refined[-1]  # SoftSRV's questions go to the teacher as they are


@pytest.mark.parametrize("plain", [True, False])
def test_soft_prompt_questions_reach_the_teacher_bare_or_through_the_template(plain, monkeypatch):
    from synthlib.methods.softsrv import method, synthesis

    monkeypatch.setattr(synthesis, "prompt_spec", lambda *args: None)
    monkeypatch.setattr(synthesis, "trained_prompt", lambda *args: (None, synthesis.PromptRun("mc", 2, 0)))
    monkeypatch.setattr(synthesis, "softsrv_questions", lambda *args: POOL[:4])
    teacher = scripted_softsrv_teacher()
    models = method.Models(frozen=None, encoder=None, answerer=teacher, generator=teacher)
    config = SoftsrvConfig.from_profile("smoke", {"tasks": ["gsm8k"], "samples": 4, "plain_answers": plain})
    run = method.TaskRun(_data())
    method.softsrv_set(run, models, config, "mc", 2, "softsrv")
    sent = [call.messages[0]["content"] for call in teacher.calls]
    assert len(sent) == 4 and all(q in POOL[:4] for q in sent) == plain
    assert all(s.startswith("Solve this grade-school math problem") for s in sent) != plain


def test_config_errors_name_the_fix():
    with pytest.raises(ConfigError, match="cannot exceed generate"):
        SoftsrvConfig(profile="smoke", samples=50, generate=10)
    with pytest.raises(ConfigError, match="unknown soft-prompt variant"):
        SoftsrvConfig(profile="smoke", variant="mlp")
    with pytest.raises(ConfigError, match="unknown task 'svamp'"):
        SoftsrvConfig(profile="smoke", tasks=["svamp"])
    assert SoftsrvConfig.from_profile("smoke").frozen_lm == "tiny-random-gpt2"


@pytest.mark.slow
def test_end_to_end_smoke_run(tmp_path, use_mirror, monkeypatch):
    from synthlib.methods.softsrv import run
    from synthlib.runs import open_run
    from synthlib.softprompt.params import parameter_count
    from synthlib.softprompt.training import load_prompt

    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "cache"))
    config = SoftsrvConfig.from_profile("smoke", {"tasks": ["mbpp"], "mauve": False})
    result = run(config, open_run(config, tmp_path / "runs"), progress=lambda _: None)
    assert set(result.scores["method"]) == set(config.methods)
    assert result.scores["score"].between(0, 1).all()
    filters = result.filters.set_index("method")
    assert (filters["kept"] <= config.samples).all()
    assert filters.loc["softsrv", "generated"] == config.generate
    prompt = result.prompts.iloc[0]
    module, extra = load_prompt(result.data["mbpp"].prompts["softsrv"].path)
    assert prompt["parameters"] == parameter_count(module.spec) and len(extra["losses"]) == config.prompt_steps
    again = run(config, None, progress=lambda _: None)  # trained prompt and generations come from the caches
    assert bool(again.prompts.iloc[0]["reused"])
    assert again.data["mbpp"].questions["softsrv"] == result.data["mbpp"].questions["softsrv"]
    saved = json.loads((next((tmp_path / "runs" / "softsrv").iterdir()) / "results.json").read_text())
    assert len(saved["scores"]) == len(config.methods)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["softsrv", "softsrv__variants", "softsrv__tokens", "softsrv__scaling",
                                  "softsrv__mauve"])
def test_notebook_executes_in_the_smoke_profile(name, tmp_path, use_mirror, monkeypatch):
    from synthlib.book.execute import execute_notebook
    from synthlib.book.notebooks import notebook_path

    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "cache"))
    result = execute_notebook(notebook_path(name), tmp_path / f"{name}.ipynb", "smoke", {}, tmp_path / "runs")
    assert result.error is None, result.error
    run_dir = next((tmp_path / "runs" / name).iterdir())
    results = json.loads((run_dir / "results.json").read_text())
    assert results["glue.profile"] == "smoke"
    if name == "softsrv__mauve":
        assert results["mauve"] and all(0 <= row["MAUVE vs test"] <= 1 for row in results["mauve"])
    else:
        assert results["scores"] and all(0 <= row["score"] <= 1 for row in results["scores"] if "score" in row)
