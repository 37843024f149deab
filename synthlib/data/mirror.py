"""The local data mirror: where it is, and whether its files are the ones we expect.

The mirror is a folder (``$SYNTHLIB_DATA_DIR``; CI and developers point it at ``../shared/data``)
with a ``MANIFEST.sha256`` in ``sha256sum`` format. Every file read through :func:`mirror_file` is
checked against that manifest once per process; a mismatch is an error that names the file.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

ENV_VAR = "SYNTHLIB_DATA_DIR"
MANIFEST = "MANIFEST.sha256"


class DataUnavailableError(FileNotFoundError):
    """Neither the local mirror nor the hub could provide a dataset."""


class DataIntegrityError(ValueError):
    """A mirror file's content does not match ``MANIFEST.sha256``."""


def data_dir() -> Path | None:
    """The mirror folder from ``$SYNTHLIB_DATA_DIR``, or None when unset."""
    value = os.environ.get(ENV_VAR)
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise DataUnavailableError(f"{ENV_VAR}={value} is not a folder; point it at the data mirror "
                                   "(e.g. export SYNTHLIB_DATA_DIR=../shared/data)")
    return path


@lru_cache(maxsize=8)
def _manifest(root: Path) -> dict[str, str]:
    path = root / MANIFEST
    if not path.is_file():
        raise DataIntegrityError(f"{path} is missing: the mirror cannot be verified; restore it or create it "
                                 f"with `cd {root} && find . -type f ! -name {MANIFEST} | sed 's|^./||' | "
                                 f"xargs sha256sum > {MANIFEST}`")
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            entries[name.lstrip("*")] = digest
    return entries


@lru_cache(maxsize=512)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    # size and mtime are part of the cache key so that a file changed mid-process is re-hashed
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file, memoised per (path, size, mtime)."""
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)


def mirror_file(relative: str) -> Path | None:
    """Path of a verified mirror file, or None when no mirror is set or the file is absent.

    Raises :class:`DataIntegrityError` when the file exists but its hash differs from the manifest
    (or the manifest does not list it).
    """
    root = data_dir()
    if root is None:
        return None
    path = root / relative
    if not path.is_file():
        return None
    expected = _manifest(root).get(relative)
    if expected is None:
        raise DataIntegrityError(f"{path} is not listed in {root / MANIFEST}; add its sha256 line there")
    actual = file_sha256(path)
    if actual != expected:
        raise DataIntegrityError(f"{path} does not match {MANIFEST} (sha256 {actual[:12]}… != {expected[:12]}…); "
                                 "the file is corrupt or was edited: restore the original")
    _VERIFIED[relative] = actual
    return path


def used_files() -> dict[str, str]:
    """Every mirror file verified so far in this process, as {relative path: sha256} (for manifests)."""
    return dict(sorted(_VERIFIED.items()))


_VERIFIED: dict[str, str] = {}
