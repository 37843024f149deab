"""Task specs. For now only the teacher output formats (:mod:`synthlib.tasks.formats`) that the
methods ask teachers for; later issues add fields, label words, metrics per task."""

from synthlib.tasks.formats import FORMATS, OutputFormat, get_format

__all__ = ["FORMATS", "OutputFormat", "get_format"]
