"""Assemble the book: stage prose + executed notebooks, vendor MathJax, run jupyter-book 1.x offline.

Layout of the build tree (all under ``book/_build``, never committed)::

    src/        staged sources: prose chapters, _config.yml, _toc.yml, executed notebooks, _vendor/
    runs/       run directories written while the notebooks executed
    html/       the built book (index.html)

MathJax is vendored from the npm registry (``mathjax@3``) into ``.cache/mathjax`` once, and copied
into ``src/_vendor`` (listed in ``html_static_path``; not ``_static``, whose scripts jupyter-book
would include on every page), so the book loads no script from a CDN.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from synthlib.book.notebooks import repo_root

MATHJAX_VERSION = "3.2.2"


class BookBuildError(RuntimeError):
    """The book could not be built; the message names the failing step."""


def book_dir() -> Path:
    """Committed book sources (prose, _config.yml, _toc.yml)."""
    return repo_root() / "book"


def build_dir() -> Path:
    """Root of the build tree."""
    return book_dir() / "_build"


def vendor_mathjax(cache: Path | None = None) -> Path:
    """Return a folder with ``tex-mml-chtml.js`` and its fonts, fetching ``mathjax@3`` via npm once."""
    cache = cache or repo_root() / ".cache" / f"mathjax-{MATHJAX_VERSION}"
    if (cache / "tex-mml-chtml.js").is_file():
        return cache
    npm = shutil.which("npm")
    if npm is None:
        raise BookBuildError("npm is needed once to vendor MathJax for the offline book; install Node.js "
                             "(apt-get install nodejs npm) or copy mathjax@3's es5/ folder to " + str(cache))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", tmp,
                        f"mathjax@{MATHJAX_VERSION}"], check=True, capture_output=True, text=True)
        es5 = Path(tmp) / "node_modules" / "mathjax" / "es5"
        partial = cache.with_name(cache.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        shutil.copy2(es5 / "tex-mml-chtml.js", partial / "tex-mml-chtml.js")
        shutil.copytree(es5 / "output" / "chtml" / "fonts" / "woff-v2", partial / "output" / "chtml" / "fonts" / "woff-v2")
        shutil.rmtree(cache, ignore_errors=True)
        partial.rename(cache)  # a killed vendoring never leaves a half-filled cache
    return cache


def stage(executed: list[Path], target: Path | None = None) -> Path:
    """Copy the prose and the executed notebooks into the staging folder; return it."""
    target = target or build_dir() / "src"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(book_dir(), target, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    for notebook in executed:
        stage_notebook(notebook, target / notebook.name)
    left_out = prune_toc(target)
    if left_out:
        print(f"book: {len(left_out)} chapters were not executed and are left out of this build: "
              f"{', '.join(left_out)}", flush=True)
    shutil.copytree(vendor_mathjax(), target / "_vendor" / "mathjax")
    return target


def prune_toc(source: Path) -> list[str]:
    """Drop from ``source/_toc.yml`` the chapters with no file in ``source`` (``synthlib book --only``
    stages a few); return their names. jupyter-book would otherwise fail on every missing one."""
    import yaml

    toc_path = source / "_toc.yml"
    toc = yaml.safe_load(toc_path.read_text())
    left_out: list[str] = []

    def present(entries: list[dict]) -> list[dict]:
        kept = []
        for entry in entries:
            if any((source / f"{entry['file']}{suffix}").is_file() for suffix in ("", ".md", ".ipynb")):
                kept.append(entry)
            else:
                left_out.append(entry["file"])
        return kept

    if "chapters" in toc:
        toc["chapters"] = present(toc["chapters"])
    if "parts" in toc:
        parts = [{**part, "chapters": present(part.get("chapters", []))} for part in toc["parts"]]
        toc["parts"] = [part for part in parts if part["chapters"]]  # a part with no chapter is an error too
    if left_out:
        toc_path.write_text(yaml.safe_dump(toc, sort_keys=False, allow_unicode=True))
    return left_out


def stage_notebook(source: Path, target: Path) -> Path:
    """Copy an executed notebook for the book, hiding papermill's injected-parameters cell's code
    (one click away, like every other code cell: a reader sees prose and results first)."""
    import json

    notebook = json.loads(Path(source).read_text())
    for cell in notebook.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            cell["metadata"]["tags"] = [*tags, "hide-input"]
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1))
    return target


def build_html(source: Path, strict: bool = True) -> Path:
    """Run ``jupyter-book build`` on ``source`` into ``book/_build/html``; return index.html."""
    executable = Path(sys.executable).with_name("jupyter-book")
    command = [str(executable), "build", str(source), "--path-output", str(source.parent), "--builder", "html"]
    if strict:
        command += ["--warningiserror", "--keep-going"]
    print("$ " + " ".join(command), flush=True)
    completed = subprocess.run(command, text=True, capture_output=True)
    print(completed.stdout[-4000:], flush=True)
    if completed.returncode != 0:
        raise BookBuildError(f"jupyter-book failed (exit {completed.returncode}):\n{completed.stderr[-4000:]}"
                             f"{completed.stdout[-2000:]}")
    built = source.parent / "_build" / "html"
    final = build_dir() / "html"
    if built != final:
        shutil.rmtree(final, ignore_errors=True)
        shutil.move(str(built), final)
    return final / "index.html"
