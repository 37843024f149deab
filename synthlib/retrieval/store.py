"""The corpus store: length-filtered documents embedded into fp16 shards, resumable and cached.

Layout of a store folder (one per recipe; :func:`store_path` names it by the recipe's hash)::

    manifest.json              recipe, dim, dtype and the finished shards (the commit point)
    shard-00000.npy            float16 (rows, dim), unit-norm embeddings; np.load(mmap_mode="r") works
    shard-00000.docs.jsonl     one {"id", "title", "text"} per row, in row order
    shard-00000.offsets.npy    int64 (rows + 1) byte offsets of each line, to fetch a text by seeking

Shard files are written atomically (temporary file, fsync, rename) and only then recorded in the
manifest, itself rewritten atomically. A killed build therefore leaves finished shards intact, and
the next :func:`build_store` with the same recipe re-reads the documents, skips the recorded shards
and continues with the first unfinished one. Document selection is deterministic, so shard ``i``
always holds the same documents.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from synthlib.config import cache_root as synthlib_cache_root
from synthlib.retrieval.documents import Document, LengthWindow, iter_documents
from synthlib.runs import atomic

FORMAT_VERSION = 1
EmbedFn = Callable[[list[str]], Any]  # texts -> float array (len(texts), dim), unit-norm rows


@dataclass(frozen=True)
class StoreRecipe:
    """Everything that determines a store's contents; its hash names the cache folder."""

    sources: tuple[str, ...] = ("wikipedia", "wikinews")
    embedder: str = "minilm"
    max_seq_length: int = 256
    min_chars: int = 200
    max_chars: int = 25_000
    max_docs: int = 0  # 0 = every admitted document
    shard_size: int = 4096

    def key(self) -> str:
        """Short stable hash of the recipe (12 hex digits)."""
        blob = json.dumps({"format": FORMAT_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def documents(self) -> Iterator[Document]:
        """The documents this recipe stores, in store order."""
        window = LengthWindow(self.min_chars, self.max_chars)
        return iter_documents(list(self.sources), window, self.max_docs)


def cache_root() -> Path:
    """Where stores are cached: ``retrieval/`` under synthlib's one cache root (``$SYNTHLIB_CACHE_DIR`` or
    ``~/.cache/synthlib``), beside the teacher cache and the models, so one folder holds everything made."""
    return synthlib_cache_root() / "retrieval"


def store_path(recipe: StoreRecipe, root: Path | None = None) -> Path:
    """The folder of ``recipe``'s store under ``root`` (default :func:`cache_root`)."""
    return (root or cache_root()) / f"store-{recipe.key()}"


@dataclass(frozen=True)
class Hit:
    """One search result: the document's id, its similarity, global row, title and text."""

    id: str
    score: float
    row: int
    title: str
    text: str


@dataclass
class ShardInfo:
    """A finished shard: its index, first global row and row count."""

    index: int
    start: int
    rows: int

    @property
    def stem(self) -> str:
        """File-name stem shared by the shard's three files."""
        return f"shard-{self.index:05d}"


@dataclass
class CorpusStore:
    """An opened store: memory-mapped shards plus random access to document texts."""

    path: Path
    recipe: dict[str, Any]
    dim: int
    shards: list[ShardInfo] = field(default_factory=list)
    complete: bool = False

    @classmethod
    def open(cls, path: str | os.PathLike) -> CorpusStore:
        """Open the store at ``path`` (reads only the manifest)."""
        path = Path(path)
        manifest_file = path / "manifest.json"
        if not manifest_file.is_file():
            raise FileNotFoundError(f"no corpus store at {path} (manifest.json missing); build it with build_store()")
        manifest = json.loads(manifest_file.read_text())
        shards = [ShardInfo(**s) for s in manifest["shards"]]
        return cls(path=path, recipe=manifest["recipe"], dim=manifest["dim"], shards=shards,
                   complete=manifest["complete"])

    @property
    def n_docs(self) -> int:
        """Rows over all finished shards."""
        return sum(s.rows for s in self.shards)

    def shard_embeddings(self, mmap: bool = True, int8: bool = False) -> list[Any]:
        """One float16 array per shard, memory-mapped unless ``mmap`` is False.

        With ``int8`` each comes with its int8 codes (:class:`~synthlib.retrieval.quantized.QuantizedShard`,
        coded and saved beside the shard on first use), which make exact CPU search several times faster.
        """
        import numpy as np

        from synthlib.retrieval.quantized import quantized_shard

        if int8:
            return [quantized_shard(self.path / f"{s.stem}.npy", mmap) for s in self.shards]
        return [np.load(self.path / f"{s.stem}.npy", mmap_mode="r" if mmap else None) for s in self.shards]

    def starts(self) -> list[int]:
        """First global row of each shard."""
        return [s.start for s in self.shards]

    def search(self, queries, k: int, top_percent: float | None = None, device: str = "cpu") -> list[list[Hit]]:
        """Top-k documents per query (exact, or CRAFT's two-stage with ``top_percent``): ids, scores, texts."""
        import numpy as np

        from synthlib.retrieval.search import resolve_device, search

        device = resolve_device(device)
        top = search(np.atleast_2d(np.asarray(queries, np.float32)), self.shard_embeddings(int8=device == "cpu"), k,
                     top_percent=top_percent, starts=self.starts(), device=device)
        docs = self.documents(top.rows.ravel())
        hits = [Hit(id=d.id, score=float(score), row=int(row), title=d.title, text=d.text)
                for d, score, row in zip(docs, top.scores.ravel(), top.rows.ravel(), strict=True)]
        return [hits[i * top.k:(i + 1) * top.k] for i in range(top.rows.shape[0])]

    def documents(self, rows) -> list[Document]:
        """The documents at global ``rows`` (any order; repeated rows allowed)."""
        import numpy as np

        rows = np.asarray(rows, dtype=np.int64).ravel()
        starts = np.asarray(self.starts())
        shard_of = np.searchsorted(starts, rows, side="right") - 1
        if rows.size and (rows.min() < 0 or rows.max() >= self.n_docs):
            raise IndexError(f"rows must lie in [0, {self.n_docs}); got {rows.min()}..{rows.max()}")
        out: list[Document] = []
        handles: dict[int, Any] = {}
        offsets: dict[int, Any] = {}
        try:
            for row, k in zip(rows.tolist(), shard_of.tolist(), strict=False):
                info = self.shards[k]
                if k not in handles:
                    handles[k] = open(self.path / f"{info.stem}.docs.jsonl", "rb")
                    offsets[k] = np.load(self.path / f"{info.stem}.offsets.npy", mmap_mode="r")
                local = row - info.start
                handles[k].seek(int(offsets[k][local]))
                line = handles[k].read(int(offsets[k][local + 1] - offsets[k][local]))
                out.append(Document(**json.loads(line)))
        finally:
            for handle in handles.values():
                handle.close()
        return out


def build_store(recipe: StoreRecipe, embed: EmbedFn | None = None, root: Path | None = None,
                path: Path | None = None, progress: bool = True) -> CorpusStore:
    """Build (or finish, or just open) the store of ``recipe``; return it opened.

    ``embed`` maps texts to unit-norm vectors; by default the recipe's sentence encoder is loaded
    (only if a shard is missing). ``path`` overrides the cache folder.
    """
    from tqdm.auto import tqdm

    path = Path(path) if path else store_path(recipe, root)
    store = open_or_create(path, recipe)
    if store.complete:
        return store
    done = {s.index for s in store.shards}
    docs = recipe.documents()
    bar = tqdm(total=recipe.max_docs or None, unit="doc", desc=f"store {path.name}", disable=not progress)
    start = index = 0
    while batch := list(islice(docs, recipe.shard_size)):
        if index not in done:  # finished shards of an interrupted build are kept as they are
            embed = embed or default_embedder(recipe)
            write_shard(path, index, batch, embed, store.dim)
            record_shard(store, ShardInfo(index=index, start=start, rows=len(batch)))
        start += len(batch)
        bar.update(len(batch))
        index += 1
    bar.close()
    return finish_store(store, recipe)


def finish_store(store: CorpusStore, recipe: StoreRecipe) -> CorpusStore:
    """Mark a store whose every shard is written as complete (manifest rewritten atomically)."""
    if not store.shards:
        raise ValueError(f"recipe {recipe} admits no documents; widen min_chars/max_chars or check the sources")
    _write_manifest(store, complete=True)
    store.complete = True
    return store


def record_shard(store: CorpusStore, info: ShardInfo) -> None:
    """Add a written shard to the manifest: from now on a resumed build skips it."""
    store.dim = store.dim or _shard_dim(store.path, info.index)
    store.shards.append(info)
    store.shards.sort(key=lambda s: s.index)
    _write_manifest(store, complete=False)


# -- internals ---------------------------------------------------------------------------------

def open_or_create(path: Path, recipe: StoreRecipe) -> CorpusStore:
    """Open the store at ``path`` (checking it holds ``recipe``) or start an empty one there."""
    if (path / "manifest.json").is_file():
        store = CorpusStore.open(path)
        if store.recipe != _recipe_dict(recipe):
            raise ValueError(f"the store at {path} was built from another recipe ({store.recipe}); "
                             "delete the folder or pass another path")
        store.shards.sort(key=lambda s: s.index)
        return store
    path.mkdir(parents=True, exist_ok=True)
    return CorpusStore(path=path, recipe=_recipe_dict(recipe), dim=0)


def _recipe_dict(recipe: StoreRecipe) -> dict[str, Any]:
    # JSON round trip so tuples compare equal to the lists read back from the manifest
    return json.loads(json.dumps(asdict(recipe)))


def default_embedder(recipe: StoreRecipe) -> EmbedFn:
    """The recipe's sentence encoder as a texts -> vectors function (loaded once per process)."""
    from synthlib.retrieval.embedder import load_embedder

    return load_embedder(recipe.embedder, recipe.max_seq_length).encode


def write_shard(path: Path, index: int, batch: list[Document], embed: EmbedFn, dim: int = 0) -> int:
    """Embed ``batch`` and write shard ``index``'s three files atomically; return its row count."""
    import numpy as np

    vectors = np.asarray(embed([d.text for d in batch]), dtype=np.float32)
    if vectors.shape[0] != len(batch) or (dim and vectors.shape[1] != dim):
        raise ValueError(f"embedder returned shape {vectors.shape} for {len(batch)} texts (dim {dim or '?'})")
    stem = f"shard-{index:05d}"
    lines = [json.dumps({"id": d.id, "title": d.title, "text": d.text}, ensure_ascii=False).encode() + b"\n"
             for d in batch]
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum([len(line) for line in lines], out=offsets[1:])
    atomic.write_bytes(path / f"{stem}.docs.jsonl", b"".join(lines))
    save_npy_atomic(path / f"{stem}.offsets.npy", offsets)
    save_npy_atomic(path / f"{stem}.npy", vectors.astype(np.float16))
    return len(batch)


def _shard_dim(path: Path, index: int) -> int:
    import numpy as np

    return int(np.load(path / f"shard-{index:05d}.npy", mmap_mode="r").shape[1])


def _write_manifest(store: CorpusStore, complete: bool) -> None:
    manifest = {"format": FORMAT_VERSION, "recipe": store.recipe, "dim": store.dim, "dtype": "float16",
                "n_docs": store.n_docs, "complete": complete,
                "shards": [asdict(s) for s in sorted(store.shards, key=lambda s: s.index)]}
    atomic.write_json(store.path / "manifest.json", manifest)


def save_npy_atomic(path: Path, array) -> Path:
    """``np.save`` to a temporary file beside ``path``, fsync, then rename over it."""
    import numpy as np

    with atomic.atomic_file(path) as handle:
        np.save(handle, array)
    return path
