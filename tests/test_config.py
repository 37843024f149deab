import dataclasses
import subprocess
import sys

import pytest
import yaml

from synthlib.config import PROFILES, BaseConfig, ConfigError, config_dir, load_profile, option
from synthlib.models import check_model_name


@dataclasses.dataclass
class ToyConfig(BaseConfig):
    name = "toy"
    rate: float = option(0.5, "a float")
    steps: int = option(3, "an int")
    mode: str = option("a", "a string")
    dataset: str = option("rte", "a dataset", kind="dataset")
    teacher: str = option("gemma-3-270m", "a model", kind="model")
    tags: list[str] = option(["x"], "a list")
    limit: int | None = option(None, "optional int")


def test_unknown_key_names_the_key_and_suggests_a_fix():
    with pytest.raises(ConfigError, match=r"unknown key .*'stepz'.*Did you mean 'steps'"):
        ToyConfig.from_dict({"stepz": 4})


@pytest.mark.parametrize("key, value", [("steps", "four"), ("steps", 2.5), ("rate", "x"), ("steps", True),
                                        ("tags", "x"), ("tags", [1]), ("limit", "3")])
def test_wrong_type_is_rejected_with_the_expected_type(key, value):
    with pytest.raises(ConfigError, match=rf"wrong type for '{key}'"):
        ToyConfig.from_dict({key: value})


def test_int_widens_to_float_and_none_fits_optional():
    config = ToyConfig.from_dict({"rate": 1, "limit": None})
    assert config.rate == 1.0 and isinstance(config.rate, float) and config.limit is None


def test_unknown_dataset_and_model_fail_with_their_field_named():
    with pytest.raises(ConfigError, match=r"dataset: unknown dataset: 'rtee'.*Did you mean 'rte'"):
        ToyConfig.from_dict({"dataset": "rtee"})
    with pytest.raises(ConfigError, match=r"teacher: unknown model 'standin'"):
        ToyConfig.from_dict({"teacher": "standin"})
    with pytest.raises(ConfigError, match="unknown subset of mmlu"):
        ToyConfig.from_dict({"dataset": "mmlu/anatomyy"})


def test_profile_layers_defaults_shared_keys_section_and_overrides(tmp_path, monkeypatch):
    (tmp_path / "profiles").mkdir()
    for profile in PROFILES:
        (tmp_path / "profiles" / f"{profile}.yaml").write_text(yaml.safe_dump(
            {"teacher": "minilm", "unused_shared_key": 1, "notebooks": {"toy": {"steps": 7, "rate": 0.1}}}))
    monkeypatch.setenv("SYNTHLIB_CONFIG_DIR", str(tmp_path))
    config = ToyConfig.from_profile("smoke", {"rate": 0.9})
    assert (config.teacher, config.steps, config.rate, config.profile, config.mode) == ("minilm", 7, 0.9, "smoke", "a")


def test_bad_key_in_a_profile_section_is_reported_with_its_place(tmp_path, monkeypatch):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "cpu.yaml").write_text(yaml.safe_dump({"notebooks": {"toy": {"nope": 1}}}))
    monkeypatch.setenv("SYNTHLIB_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"profile 'cpu' section notebooks.toy"):
        ToyConfig.from_profile("cpu")


def test_unknown_profile():
    with pytest.raises(ConfigError, match="unknown profile: 'cpuu'"):
        ToyConfig.from_profile("cpuu")


@pytest.mark.parametrize("profile", PROFILES)
def test_shipped_profiles_name_valid_models_and_known_notebooks(profile):
    from synthlib.book.notebooks import list_notebooks

    data = load_profile(profile)
    for role in ("teacher", "student", "embedder"):
        check_model_name(data[role], role)
    assert set(data.get("notebooks", {})) <= set(list_notebooks())
    assert (config_dir() / "profiles" / f"{profile}.yaml").is_file()


def test_every_field_of_every_notebook_config_has_a_help_line():
    from synthlib.book.notebooks import config_class, list_notebooks, notebook_path

    for name in list_notebooks():
        cls = config_class(notebook_path(name))
        for field in dataclasses.fields(cls):
            assert field.metadata.get("help"), f"{cls.__name__}.{field.name} has no help line"


def test_cli_rejects_a_bad_parameter_before_loading_heavy_libraries():
    code = ("import sys; from synthlib.cli import main; rc = main(['run', 'data', '--profile', 'smoke', "
            "'-p', 'unknown_key=1']); heavy = [m for m in ('torch', 'datasets', 'papermill', 'pandas') "
            "if m in sys.modules]; print(rc, heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "2 []", done.stdout + done.stderr
    assert "unknown key" in done.stderr and "'unknown_key'" in done.stderr
