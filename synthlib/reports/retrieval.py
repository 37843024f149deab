"""The "Retrieval" chapter: CRAFT's few-shots against the local corpus, and the filters on real samples.

``run(config, run)`` builds (or reuses) the corpus store of Wikipedia + Wikinews for the profile's
recipe, embeds CRAFT's 32 few-shots per task with the same encoder, and measures: the documents
CRAFT's 50/50 mixed retrieval picks per task, the similarity of the corpus to each task, how
often the two-stage search returns the exact top-k, and what each step costs. A filter report
on S3's released GPT-3.5 samples (real teacher outputs) shows every rejection reason counted.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from synthlib.config import BaseConfig, ConfigError, option

CRAFT_TASKS = ["bioqa", "csqa", "medqa", "recipegen", "summarization"]


@dataclasses.dataclass
class RetrievalConfig(BaseConfig):
    """Parameters of the Retrieval chapter."""

    name = "retrieval"

    embedder: str = option("minilm", "Sentence encoder for corpus and few-shots (alias, hub id or path).",
                           kind="model")
    corpora: list[str] = option(["wikipedia", "wikinews"], "Corpus datasets to embed (catalog names).",
                                kind="dataset")
    tasks: list[str] = option(CRAFT_TASKS, "CRAFT tasks whose few-shots are the queries.")
    n_fewshots: int = option(32, "Few-shots per task used as queries (CRAFT: 8 or 32).")
    max_docs: int = option(0, "Documents embedded, an equal share per corpus (0 = every 200-25,000-char doc).")
    max_seq_length: int = option(128, "Tokens of each document the encoder reads (its lead; MiniLM max 256).")
    shard_size: int = option(4096, "Documents per fp16 shard of the store.")
    n_retrieve: int = option(1000, "Documents CRAFT's mixed retrieval picks per task.")
    show_top: int = option(5, "Top documents listed per task.")
    two_stage_percents: list[float] = option([1.0, 5.0, 20.0], "Per-shard top-p% cuts compared with exact search.")
    recall_ks: list[int] = option([10, 100, 1000], "k of the recall@k agreement of two-stage with exact search.")
    filter_samples: int = option(3000, "S3 GPT-3.5 IMDb samples run through the filter pipeline (0 = skip).")
    decontam_rows: int = option(25000, "IMDb test reviews whose 13-grams the samples are checked against.")
    diversify_target: int = option(1000, "Samples the diversity step keeps (SoftSRV's k-means round robin).")
    device: str = option("auto", "Search device: auto, cpu or cuda.")

    def validate(self) -> None:
        """Range checks on top of the base checks."""
        super().validate()
        unknown = sorted(set(self.tasks) - set(CRAFT_TASKS))
        if unknown:
            raise ConfigError(f"unknown CRAFT tasks {unknown}; choose from {', '.join(CRAFT_TASKS)}")
        for key in ("n_fewshots", "max_seq_length", "shard_size", "n_retrieve", "show_top", "diversify_target"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be >= 1, got {getattr(self, key)}; e.g. -p {key}=8")
        if any(not 0 < p <= 100 for p in self.two_stage_percents):
            raise ConfigError(f"two_stage_percents must lie in (0, 100], got {self.two_stage_percents}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device must be auto, cpu or cuda, got '{self.device}'")


@dataclasses.dataclass
class RetrievalReport:
    """Everything the chapter shows (pandas DataFrames and plain numbers)."""

    store: dict[str, Any]
    top_documents: Any  # task, rank, title, source, similarity
    mean_similarity: dict[str, Any]  # task -> similarity of every document to the task's mean few-shot
    retrieved: Any  # task, strategy, similarity: one row per document the mixed retrieval chose
    agreement: Any  # top_percent, k, recall (two-stage vs exact, over every query)
    timings: Any  # step, seconds, detail
    filters: Any | None  # the pipeline's report table, or None


def run(config: RetrievalConfig, run: Any = None) -> RetrievalReport:
    """Build or reuse the store, search it with CRAFT's few-shots, and report."""
    import numpy as np
    import pandas as pd

    from synthlib.retrieval.embedder import load_embedder
    from synthlib.retrieval.search import exact_topk, mixed_retrieval, resolve_device, two_stage_topk
    from synthlib.retrieval.store import StoreRecipe, build_store, store_path

    device = resolve_device(config.device)
    recipe = StoreRecipe(sources=tuple(config.corpora), embedder=config.embedder,
                         max_seq_length=config.max_seq_length, max_docs=config.max_docs, shard_size=config.shard_size)
    cached = (store_path(recipe) / "manifest.json").is_file()
    timings = []
    start = time.perf_counter()
    store = build_store(recipe)
    build_seconds = time.perf_counter() - start
    timings.append(("embed corpus into fp16 shards" if not cached else "open cached store", build_seconds,
                    f"{store.n_docs:,} docs" + ("" if cached else f", {store.n_docs / build_seconds:.0f} docs/s")))
    start = time.perf_counter()
    shards = store.shard_embeddings(int8=device == "cpu")  # int8 codes: the fast exact CPU search
    if device == "cpu":
        timings.append(("int8 codes of the shards (made once, then cached)", time.perf_counter() - start, ""))
    vectors = [getattr(shard, "vectors", shard) for shard in shards]
    encoder = load_embedder(config.embedder, config.max_seq_length)
    if run is not None:
        run.add_model("embedder", encoder.signature())

    shots = _fewshot_embeddings(config, encoder)
    queries = np.vstack([shots[t] for t in config.tasks])
    max_k = min(max(config.recall_ks + [config.n_retrieve]), store.n_docs)
    start = time.perf_counter()
    exact = exact_topk(queries, shards, max_k, starts=store.starts(), device=device)
    timings.append((f"exact top-{max_k}, {len(queries)} queries ({device})", time.perf_counter() - start,
                    f"{store.n_docs * len(queries) / (time.perf_counter() - start) / 1e6:.1f}M scores/s"))
    agreement = []
    for percent in config.two_stage_percents:
        start = time.perf_counter()
        two = two_stage_topk(queries, shards, max_k, percent, starts=store.starts(), device=device)
        timings.append((f"two-stage top-{max_k}, {percent:g}% per shard", time.perf_counter() - start, ""))
        for k in config.recall_ks:
            k = min(k, exact.k)  # two-stage may return fewer than k rows: the missing ones count as misses
            recall = np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(two.rows, exact.rows, strict=False)])
            agreement.append({"top_percent": percent, "k": k, "recall": float(recall)})

    top_rows, retrieved_rows, mean_similarity = [], [], {}
    for task in config.tasks:
        start = time.perf_counter()
        mixed = mixed_retrieval(shots[task], shards, config.n_retrieve, starts=store.starts(), device=device)
        timings.append((f"mixed retrieval, {task}", time.perf_counter() - start, f"{len(mixed.rows):,} docs"))
        retrieved_rows += [{"task": task, "strategy": s, "similarity": float(v)}
                           for s, v in zip(mixed.strategy, mixed.scores, strict=False)]
        mean = shots[task].mean(0)
        mean /= np.linalg.norm(mean)
        mean_similarity[task] = np.concatenate([np.asarray(v, np.float32) @ mean for v in vectors])
        best = np.argsort(-mean_similarity[task], kind="stable")[: config.show_top]
        for rank, (row, doc) in enumerate(zip(best, store.documents(best), strict=False), 1):
            top_rows.append({"task": task, "rank": rank, "title": doc.title or doc.text[:60],
                             "source": doc.id.split(":")[0], "similarity": float(mean_similarity[task][row])})

    filters = _filter_report(config) if config.filter_samples else None
    report = RetrievalReport(
        store={"documents": store.n_docs, "shards": len(store.shards), "dim": store.dim, "cached": cached,
               "path": store.path.name, "max_seq_length": config.max_seq_length, "device": device},
        top_documents=pd.DataFrame(top_rows), mean_similarity=mean_similarity,
        retrieved=pd.DataFrame(retrieved_rows), agreement=pd.DataFrame(agreement),
        timings=pd.DataFrame(timings, columns=["step", "seconds", "detail"]), filters=filters)
    if run is not None:
        _save(report, run)
    return report


def _fewshot_embeddings(config: RetrievalConfig, encoder) -> dict[str, Any]:
    from synthlib.data import load_dataset

    out = {}
    for task in config.tasks:
        rows = load_dataset("craft_fewshots", "train", subset=task, max_rows=config.n_fewshots)
        out[task] = encoder.encode(list(rows["text"]))
    return out


def _filter_report(config: RetrievalConfig):
    """The filter pipeline on S3's GPT-3.5 IMDb samples, decontaminated against the IMDb test set."""
    from synthlib.data import load_dataset
    from synthlib.filters import Diversify, ExactDedup, FilterPipeline, FuzzyDedup, LengthFilter, NgramDecontaminator

    samples = []
    for split in ("round1", "round2"):
        samples += [{"text": t} for t in load_dataset("s3_synthetic", split, subset="imdb")["text"]]
    samples = samples[: config.filter_samples]
    eval_texts = load_dataset("imdb", "test", max_rows=config.decontam_rows or None)["text"]
    pipeline = FilterPipeline([
        ExactDedup(), LengthFilter(min_words=10, max_words=600), FuzzyDedup(),
        NgramDecontaminator(list(eval_texts)), Diversify(target=config.diversify_target, seed=config.seed)])
    _, report = pipeline.apply(samples)
    return report.table()


def _save(report: RetrievalReport, run) -> None:
    run.save_table(report.top_documents, "top_documents")
    run.save_table(report.agreement, "two_stage_agreement")
    run.save_table(report.timings, "timings")
    if report.filters is not None:
        run.save_table(report.filters, "filter_report")
    run.save_results({"store": report.store, "agreement": report.agreement.to_dict(orient="records"),
                      "timings": report.timings.to_dict(orient="records")})


def plot_similarities(report: RetrievalReport):
    """Histogram per task of every document's similarity to the mean few-shot, retrieved ones marked."""
    import matplotlib.pyplot as plt
    import numpy as np

    tasks = list(report.mean_similarity)
    figure, axes = plt.subplots(1, len(tasks), figsize=(3.2 * len(tasks), 2.8), sharey=True, squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=False):
        values = report.mean_similarity[task]
        bins = np.linspace(min(values.min(), 0), max(values.max(), 0.8), 40)
        ax.hist(values, bins=bins, color="0.7", label="all documents")
        chosen = report.retrieved.query("task == @task")["similarity"].to_numpy()
        ax.hist(chosen, bins=bins, color="C0", alpha=0.8, label="retrieved (mixed)")
        ax.set_title(task)
        ax.set_xlabel("cosine similarity")
        ax.set_yscale("log")
    axes[0][0].set_ylabel("documents")
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    return figure


def plot_agreement(report: RetrievalReport):
    """Recall@k of the two-stage search against the exact one, per per-shard cut."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(5, 3))
    for percent, group in report.agreement.groupby("top_percent"):
        ax.plot(group["k"], group["recall"], marker="o", label=f"top {percent:g}% per shard")
    ax.set_xscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel("recall@k vs exact")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure
