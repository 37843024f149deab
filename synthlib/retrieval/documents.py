"""Corpus documents for the store: catalog corpora, JSONL(.gz) or Parquet files, length-filtered.

A source is a catalog name (``wikipedia``, ``wikinews``: read through :func:`synthlib.data.load_dataset`,
so the mirror's checksums apply) or a path to ``.jsonl``, ``.jsonl.gz`` or ``.parquet`` with ``id``,
``text`` and optionally ``title`` fields. Each document gets the id ``<source>:<id>``, unique across
sources. CRAFT keeps documents of 200 to 25,000 characters; so does :class:`LengthWindow` by default.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from synthlib.config import ConfigError


@dataclass(frozen=True)
class Document:
    """One corpus document: a globally unique id, its title and text."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class LengthWindow:
    """Inclusive character-length window a document must fall into (CRAFT: 200 to 25,000)."""

    min_chars: int = 200
    max_chars: int = 25_000

    def admits(self, text: str) -> bool:
        """Whether ``text`` is neither too short nor too long."""
        return self.min_chars <= len(text) <= self.max_chars


CRAFT_WINDOW = LengthWindow()


def source_name(source: str) -> str:
    """Short name of a source for document ids: the catalog name or the file stem."""
    path = Path(source)
    if path.suffix or "/" in source:
        return path.name.split(".")[0]
    return source


def read_source(source: str) -> Iterator[Document]:
    """Yield every document of one source, in file order."""
    name = source_name(source)
    path = Path(source)
    if path.suffix in (".jsonl", ".gz", ".parquet"):
        if not path.is_file():
            raise ConfigError(f"corpus file {path} does not exist; pass a catalog corpus (wikipedia, wikinews) "
                              "or an existing .jsonl/.jsonl.gz/.parquet file")
        rows = _read_parquet(path) if path.suffix == ".parquet" else _read_jsonl(path)
    else:
        rows = _read_catalog(source)
    for row in rows:
        yield Document(id=f"{name}:{row['id']}", title=str(row.get("title") or ""), text=str(row["text"]))


def iter_documents(sources: list[str], window: LengthWindow = CRAFT_WINDOW,
                   max_docs: int = 0) -> Iterator[Document]:
    """Documents of every source that pass ``window``; with ``max_docs`` > 0, an equal share per source.

    The share is the first ``ceil(max_docs / len(sources))`` admitted documents of each source, in
    file order, so the same recipe always selects the same documents.
    """
    if not sources:
        raise ConfigError("no corpus sources given; name at least one, e.g. ['wikipedia', 'wikinews']")
    cap = math.ceil(max_docs / len(sources)) if max_docs > 0 else 0
    emitted = 0
    for source in sources:
        taken = 0
        for doc in read_source(source):
            if max_docs and (taken >= cap or emitted >= max_docs):
                break
            if window.admits(doc.text):
                taken += 1
                emitted += 1
                yield doc


def _read_jsonl(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _read_parquet(path: Path) -> Iterator[dict]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        yield from batch.to_pylist()


def _read_catalog(name: str) -> Iterator[dict]:
    from synthlib.data import DATASETS, load_dataset

    spec = DATASETS.get(name)
    if spec is None or spec.task != "corpus":
        corpora = [n for n, s in DATASETS.items() if s.task == "corpus"]
        raise ConfigError(f"unknown corpus '{name}'; use one of {', '.join(corpora)} or a path to a "
                          ".jsonl/.jsonl.gz/.parquet file")
    from synthlib.data.catalog import mirror_paths
    from synthlib.data.mirror import mirror_file

    # stream the verified mirror file, so a capped store reads only the documents it needs
    paths = [mirror_file(relative) for relative in mirror_paths(spec, "train", None)]
    if all(paths):
        for path in paths:
            yield from _read_jsonl(path)
    else:
        yield from load_dataset(name, "train")
