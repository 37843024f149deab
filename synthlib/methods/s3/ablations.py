"""S3's ablations, one function per notebook (``notebooks/s3__<name>.ipynb``).

* :func:`without_ees`: S3 against its own seed synthesis grown to the same size (paper Table 3).
* :func:`without_rationales`: IMDb seed data with and without rationales, same size (Table 4).
* :func:`transferability`: a ZeroGen seed set plus S3's EES data (+ourAdd) and plus EES run on the
  ZeroGen-trained student (+synAdd) (Table 5).
* :func:`quality`: each error against its extrapolation: sentence-embedding cosine similarity and
  word-level edit distance (Table 6).
* :func:`coverage`: a t-SNE map of gold, S3 and ZeroGen data and the share of gold points within a
  radius of a synthetic point (Table 8, Figure 3).

Each returns a small result of DataFrames; the configs are :class:`S3Config` subclasses so that
each notebook has its own section in the profiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synthlib.config import option
from synthlib.methods.s3 import S3Config, _work_dir
from synthlib.methods.s3.method import TaskData, make_seed, open_teacher, run_loop, synthesize_task, train_and_score

PAPER_TABLE3 = {"s3": {"imdb": 89.00, "qnli": 79.92, "rte": 73.29, "adversarial_qa": 12.50},
                "without_ees": {"imdb": 86.86, "qnli": 73.70, "rte": 65.71, "adversarial_qa": 8.70}}
PAPER_TABLE4 = {"with rationales": 86.86, "without rationales": 85.34}
PAPER_TABLE5 = {"zerogen": {"imdb": 84.28, "qnli": 68.60, "adversarial_qa": 4.60},
                "+ourAdd": {"imdb": 87.50, "qnli": 73.51, "adversarial_qa": 9.70},
                "+synAdd": {"imdb": 87.41, "qnli": 72.21, "adversarial_qa": 10.27}}
PAPER_TABLE6 = {"imdb": (0.9497, 273.92), "qnli": (0.9537, 14.64), "rte": (0.9380, 16.38),
                "adversarial_qa": (0.9468, 13.99)}
PAPER_TABLE8 = {"qnli": (76.35, 63.03), "rte": (73.59, 14.90), "adversarial_qa": (51.02, 46.00)}


@dataclass
class S3WithoutEESConfig(S3Config):
    """S3 against seed-only data of the same size."""

    name = "s3__without_ees"


@dataclass
class S3WithoutRationalesConfig(S3Config):
    """Seed synthesis with and without rationales (IMDb)."""

    name = "s3__without_rationales"


@dataclass
class S3TransferConfig(S3Config):
    """EES data added to a ZeroGen seed set."""

    name = "s3__transferability"


@dataclass
class S3QualityConfig(S3Config):
    """Similarity of each error and its extrapolation."""

    name = "s3__quality"

    max_pairs: int = option(2000, "Error/extrapolation pairs measured per task (a seeded sample).")


@dataclass
class S3CoverageConfig(S3Config):
    """Coverage of gold data by synthetic data on a t-SNE map."""

    name = "s3__coverage"

    points: int = option(300, "Points drawn from each of gold, S3 and ZeroGen per task.")
    radius: float = option(0.05, "Coverage radius as a share of the t-SNE map's diagonal.")
    perplexity: float = option(30.0, "t-SNE perplexity (lowered automatically for small maps).")


@dataclass
class AblationResult:
    """Tables (and, for coverage, the 2-D points) of one ablation."""

    table: Any
    details: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[str], None]


def without_ees(config: S3Config, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """S3 vs its seed synthesis at equal size, beside the paper's Table 3."""
    teacher, directory = open_teacher(config.teacher), _work_dir(config, run_dir)
    rows = []
    for task in config.tasks:
        data = synthesize_task(task, config, teacher, directory, progress, methods=("s3", "without_ees"))
        for row in train_and_score(data, config, progress):
            rows.append({**row, "paper (DistilBERT)": PAPER_TABLE3[row["method"]].get(task)})
        _save_sets(config, run_dir, data, teacher)
    return _finish(AblationResult(_frame(rows)), run_dir, "without_ees")


def without_rationales(config: S3Config, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """IMDb seed sets of ``seed_size`` with and without rationales, each scored by a fresh student."""
    from synthlib.methods.s3.tasks import gold_splits, spec

    teacher = open_teacher(config.teacher)
    probe, test = gold_splits("imdb", config.probe_rows, config.test_rows, config.seed)
    data = TaskData(spec("imdb"), probe, test)
    data.sets["with rationales"] = make_seed(data, teacher, config.seed_size, config, rationales=True)
    data.sets["without rationales"] = make_seed(data, teacher, config.seed_size, config, rationales=False)
    rows = [{**row, "paper (DistilBERT)": PAPER_TABLE4[row["method"]]}
            for row in train_and_score(data, config, progress)]
    _save_sets(config, run_dir, data, teacher)
    examples = {name: [r["text"] for r in rows_[:3]] for name, rows_ in data.sets.items()}
    return _finish(AblationResult(_frame(rows), {"examples": examples, "reports": data.reports}), run_dir,
                   "without_rationales")


def transferability(config: S3Config, run_dir: Any = None, progress: Progress = print) -> AblationResult:
    """ZeroGen seed alone, + S3's EES data (+ourAdd), + EES on the ZeroGen-trained student (+synAdd)."""
    from synthlib.loop import MisclassifiedSelector
    from synthlib.methods.s3 import synthesis
    from synthlib.methods.s3.method import _sampling

    teacher, directory = open_teacher(config.teacher), _work_dir(config, run_dir)
    rows = []
    for task in config.tasks:
        data = synthesize_task(task, config, teacher, directory, progress, methods=("s3",))
        zerogen = [{**r, "round": 0} for r in
                   synthesis.seed_plain(data.task, teacher, config.seed_size, _sampling(config), config.seed + 7)[0]]
        our_add = [r for r in data.sets["s3"] if r["round"] > 0]
        syn = run_loop(data, teacher, zerogen, config, directory / task / "zerogen-ees", MisclassifiedSelector(),
                       progress)
        data.sets = {"zerogen": zerogen, "+ourAdd": zerogen + our_add, "+synAdd": syn.rows}
        for row in train_and_score(data, config, progress):
            rows.append({**row, "paper (DistilBERT)": PAPER_TABLE5[row["method"]].get(task)})
        _save_sets(config, run_dir, data, teacher)
    return _finish(AblationResult(_frame(rows)), run_dir, "transferability")


def quality(config: S3QualityConfig, run_dir: Any = None, progress: Progress = print,
            encoder: Any = None) -> AblationResult:
    """Cosine similarity (sentence embeddings) and word edit distance between each error and its extrapolation."""
    import random

    teacher, directory = open_teacher(config.teacher), _work_dir(config, run_dir)
    rows, pairs_out = [], {}
    encoder = encoder or _encoder(config.embedder)
    for task in config.tasks:
        data = synthesize_task(task, config, teacher, directory, progress, methods=("s3",))
        parents = {r["id"]: r for r in data.probe}
        field_name = _text_field(data.task)
        pairs = [(parents[r["parent_id"]][field_name], r[field_name]) for r in data.sets["s3"]
                 if r["round"] > 0 and r.get("parent_id") in parents]
        pairs = random.Random(config.seed).sample(pairs, min(config.max_pairs, len(pairs)))
        stats = pair_statistics(pairs, encoder)
        paper = PAPER_TABLE6.get(task, (None, None))
        rows.append({"task": task, "pairs": len(pairs), **stats, "paper cos sim": paper[0],
                     "paper edit distance": paper[1]})
        pairs_out[task] = pairs[:5]
    return _finish(AblationResult(_frame(rows), {"examples": pairs_out}), run_dir, "quality")


def pair_statistics(pairs: list[tuple[str, str]], encoder: Any) -> dict[str, float]:
    """Mean cosine similarity, word-level Levenshtein distance and lengths (words) over (error, new) pairs."""
    import numpy as np
    from rapidfuzz.distance import Levenshtein

    if not pairs:
        return {"cos_sim": float("nan"), "edit_distance": float("nan"), "error_len": float("nan"),
                "new_len": float("nan")}
    left = encoder.encode([a for a, _ in pairs], normalize_embeddings=True, show_progress_bar=False)
    right = encoder.encode([b for _, b in pairs], normalize_embeddings=True, show_progress_bar=False)
    cos = (np.asarray(left) * np.asarray(right)).sum(axis=1)
    # the paper's edit distances are close to the texts' lengths in words, so distance is counted in words
    edits = [Levenshtein.distance(a.split(), b.split()) for a, b in pairs]
    return {"cos_sim": float(cos.mean()), "edit_distance": float(np.mean(edits)),
            "error_len": float(np.mean([len(a.split()) for a, _ in pairs])),
            "new_len": float(np.mean([len(b.split()) for _, b in pairs]))}


def coverage(config: S3CoverageConfig, run_dir: Any = None, progress: Progress = print,
             encoder: Any = None) -> AblationResult:
    """t-SNE of gold, S3 and ZeroGen points per task; share of gold points within the radius of each set."""
    teacher, directory = open_teacher(config.teacher), _work_dir(config, run_dir)
    encoder = encoder or _encoder(config.embedder)
    rows, maps = [], {}
    for task in config.tasks:
        data = synthesize_task(task, config, teacher, directory, progress, methods=("s3", "zerogen"))
        sets = {"gold": data.probe, "S3": data.sets["s3"], "ZeroGen": data.sets["zerogen"]}
        if task in ("imdb", "rte"):
            from synthlib.methods.s3.replication import released_rows

            sets["released GPT-3.5 EES"] = released_rows(task)
        frame, shares = coverage_map(sets, _text_field(data.task), encoder, config)
        maps[task] = frame
        paper = PAPER_TABLE8.get(task, (None, None))
        rows.append({"task": task, **{f"coverage {k} (%)": v for k, v in shares.items()},
                     "paper S3 (%)": paper[0], "paper ZeroGen (%)": paper[1]})
    return _finish(AblationResult(_frame(rows), {"maps": maps}), run_dir, "coverage")


def coverage_map(sets: dict[str, list[dict]], field_name: str, encoder: Any, config: S3CoverageConfig):
    """2-D t-SNE points of every set (``points`` each) and each synthetic set's coverage of gold (%)."""
    import random

    import numpy as np
    import pandas as pd
    from sklearn.manifold import TSNE
    from sklearn.neighbors import NearestNeighbors

    texts, names = [], []
    for name, rows in sets.items():
        picked = random.Random(config.seed).sample(rows, min(config.points, len(rows)))
        texts += [r[field_name] for r in picked]
        names += [name] * len(picked)
    features = encoder.encode(texts, normalize_embeddings=True, show_progress_bar=False)
    perplexity = min(config.perplexity, max(2.0, (len(texts) - 1) / 3))
    points = TSNE(n_components=2, perplexity=perplexity, random_state=config.seed, init="pca").fit_transform(features)
    frame = pd.DataFrame({"x": points[:, 0], "y": points[:, 1], "set": names})
    gamma = config.radius * float(np.linalg.norm(points.max(axis=0) - points.min(axis=0)))
    gold = points[frame["set"].to_numpy() == "gold"]
    shares = {}
    for name in sets:
        synthetic = points[frame["set"].to_numpy() == name]
        if name == "gold" or not len(synthetic):  # a set the teacher wrote nothing usable for has no share
            continue
        distance, _ = NearestNeighbors(n_neighbors=1).fit(synthetic).kneighbors(gold)
        shares[name] = float(100 * (distance[:, 0] <= gamma).mean())
    return frame, shares


def plot_coverage(frame, task: str):
    """Scatter of the t-SNE map, one colour per set."""
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5.5, 4.5))
    for name, group in frame.groupby("set", sort=False):
        axis.scatter(group["x"], group["y"], s=8, alpha=0.6, label=name)
    axis.set_title(f"{task}: t-SNE of sentence embeddings")
    axis.set_xticks([])
    axis.set_yticks([])
    axis.legend(fontsize=8, markerscale=2)
    figure.tight_layout()
    return figure


def _text_field(task) -> str:
    """The text a teacher writes for this task (what is compared and mapped)."""
    return task.missing_field or "text"


def _encoder(reference: str):
    from synthlib.metrics.distribution import default_encoder

    if reference != "minilm":
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(reference, device="cpu")
    return default_encoder()


def _frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows)


def _save_sets(config: S3Config, run_dir: Any, data: TaskData, teacher) -> None:
    """The task's training sets, as datasets of the run (synthlib.runs.datasets)."""
    from synthlib.methods.s3.datasets import save_sets
    from synthlib.models import is_stand_in

    save_sets(config, run_dir, {data.task.name: data}, teacher.signature.to_dict(), is_stand_in(config.teacher))


def _finish(result: AblationResult, run_dir: Any, name: str) -> AblationResult:
    if run_dir is not None:
        run_dir.save_table(result.table, name)
        run_dir.save_results({name: result.table.to_dict(orient="records")})
    return result



