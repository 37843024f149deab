"""The offline STAND-IN teacher: a small causal LM that synthlib trains itself from local text.

No pretrained generative LLM can be had on the project's offline machines, so the ``smoke`` and
``cpu`` profiles use a small GPT-2 trained on instruction data built from training splits and
corpora only (:mod:`.corpus`), cached under ``$SYNTHLIB_CACHE_DIR/standin/<name>-<recipe hash>``
(:mod:`.train`). It is served by the ordinary ``hf`` backend with constrained decoding, and is a
STAND-IN everywhere: its signature says so (``stand_in=True``), every generation carries
``metadata["stand_in"]``, and the book labels its numbers. It demonstrates the pipelines; it does
not reproduce what the papers' teachers can do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthlib.teachers.standin.recipe import RECIPES, Recipe


def load_standin(name: str = "stand-in", cache_dir: str | Path | None = None, device: str | None = None,
                 **runtime: Any):
    """The stand-in called ``name`` (``stand-in`` or ``stand-in-tiny``), training it on first use."""
    from synthlib.teachers.cache import default_cache_dir
    from synthlib.teachers.hf import HFTeacher
    from synthlib.teachers.standin.train import ensure_trained

    if name not in RECIPES:
        raise ValueError(f"unknown stand-in '{name}'; use one of {', '.join(RECIPES)}")
    recipe = RECIPES[name]
    folder = ensure_trained(recipe, Path(cache_dir) if cache_dir else default_cache_dir(), device)
    return HFTeacher(str(folder), name=name, revision=f"recipe:{recipe.digest()}", stand_in=True, device=device,
                     **runtime)


__all__ = ["RECIPES", "Recipe", "load_standin"]
