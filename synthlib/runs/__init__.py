"""Run directories, manifests, atomic writes, and glue into the book."""

from synthlib.runs.atomic import write_bytes, write_json, write_text
from synthlib.runs.glue import glue
from synthlib.runs.rundir import RunDir, open_run, runs_root

__all__ = ["RunDir", "glue", "open_run", "runs_root", "write_bytes", "write_json", "write_text"]
