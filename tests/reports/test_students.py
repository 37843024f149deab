"""The Students chapter's library call on a tiny random student (the notebook runs in CI's book step)."""

import pytest

from synthlib.config import ConfigError
from synthlib.reports.students import StudentsReportConfig, run


def test_students_report_tables(use_mirror):
    config = StudentsReportConfig.from_dict({"student": "tiny-random-bert", "train_sizes": [8, 4], "epochs": 1.0,
                                             "dev_rows": 16, "ood_rows": 6, "seeds": [0, 1]})
    report = run(config)
    assert list(report.curve["size"]) == [4, 8, 4, 8] and list(report.curve["seed"]) == [0, 0, 1, 1]
    assert report.curve["accuracy"].between(0, 1).all()
    assert report.energies.groupby("source").size().to_dict() == {"imdb": 6, "sst2 dev": 16, "wikinews": 6,
                                                                   "wikipedia": 6}
    assert list(report.auroc["out_of_distribution"]) == ["imdb", "wikipedia", "wikinews"]
    assert report.auroc["auroc"].between(0, 1).all()
    from synthlib.data import load_dataset

    dev_labels = load_dataset("sst2", "validation", max_rows=16)["label"]
    assert report.majority_share == pytest.approx(max(sum(dev_labels), 16 - sum(dev_labels)) / 16)


def test_students_config_rejects_bad_sizes():
    with pytest.raises(ConfigError, match="train_sizes"):
        StudentsReportConfig.from_dict({"train_sizes": []})
    with pytest.raises(ConfigError, match="unknown model"):
        StudentsReportConfig.from_dict({"student": "minlm"})
