"""The Teachers chapter's library call switches teacher by one parameter: HF path or endpoint."""

import pytest

from synthlib.reports.teachers import TeachersConfig, run
from synthlib.teachers.fake_server import FaultyServer


@pytest.mark.slow
def test_one_parameter_switches_between_an_hf_path_and_an_openai_endpoint(tmp_path, use_mirror):
    from synthlib.teachers.hf import tiny_random_teacher

    tiny = tiny_random_teacher("tiny-random-gpt2")
    tiny.model.save_pretrained(tmp_path / "tiny")
    tiny.tokenizer.save_pretrained(tmp_path / "tiny")
    common = {"formats": ["nli"], "samples_per_format": 3, "max_new_tokens": 8}

    local = run(TeachersConfig.from_profile("smoke", {"teacher": str(tmp_path / "tiny"), **common}))
    assert local.signature["backend"] == "hf" and local.signature["revision"].startswith("sha256:")
    assert local.parse_rates["samples"].tolist() == [3]
    assert local.throughput["teacher_calls"].tolist() == [3, 0]  # the rerun is served by the cache

    with FaultyServer(fault_rate=0.3, faults=("429", "503"), seed=1) as server:
        served = run(TeachersConfig.from_profile("smoke", {"teacher": f"openai:fake@{server.base_url}", **common}))
    assert served.signature["backend"] == "openai" and not served.stand_in
    assert served.throughput["hit_rate"].tolist() == [0.0, 1.0]
    # the fake server does not write the format: every output is a counted rejection, not a crash
    assert served.parse_rates["parse_rate"].tolist() == [0.0]
    assert served.rejections["count"].sum() == 3


def test_the_profile_teacher_is_the_one_whose_worst_format_is_best():
    import pandas as pd

    from synthlib.reports.teachers import TeachersReport, best_teacher, usable_table

    rows = [("a", "sentiment", 1.0), ("a", "nli", 0.5), ("b", "sentiment", 0.9), ("b", "nli", 0.8)]
    usable = pd.DataFrame([{"teacher": t, "style": "chat", "format": f, "decoding": "free", "usable_share": v}
                           for t, f, v in rows])
    report = TeachersReport({}, False, None, None, None, None, usable)
    table = usable_table(report)
    assert list(table.columns) == ["a", "b"] and table.loc["nli", "b"] == 0.8
    assert best_teacher(report) == "b"  # a's mean is higher, but its worst format is worse
