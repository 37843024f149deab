"""Glue numbers and figures from an executed notebook into the book (myst-nb ``glue``).

Prose then writes ``{glue:text}`name``` instead of a typed number, so the book always shows what
the notebook computed. Every glued value is also kept in the run's results.json.
"""

from __future__ import annotations

from typing import Any


def glue(name: str, value: Any, run: Any = None, display: bool = False) -> Any:
    """Glue ``value`` under ``name`` for the book and, when ``run`` is given, into its results."""
    from myst_nb import glue as nb_glue

    nb_glue(name, value, display=display)
    if run is not None:
        plain = value.item() if hasattr(value, "item") else value
        if isinstance(plain, (int, float, str, bool)) or plain is None:
            run.save_results({f"glue.{name}": plain})
    return value
