"""Display helpers shared by every chapter's report functions (model notes, tables, glue).

A chapter notebook calls its method's report functions in one line each; those build their
Markdown, tables and figures with these helpers, so no notebook formats anything itself.
"""

from __future__ import annotations

from typing import Any

STAND_IN_NOTE = " (a STAND-IN: its numbers only show that the pipeline runs)"


def model_note(name: str) -> str:
    """What a model alias is, with a plain warning when it is a stand-in."""
    from synthlib.models import MODEL_ALIASES, is_stand_in

    return MODEL_ALIASES.get(name, name) + (STAND_IN_NOTE if is_stand_in(name) else "")


def show(text: str) -> None:
    """Display ``text`` as Markdown in the notebook (no-op outside IPython)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def table(frame: Any, formats: dict[str, str] | str | None = None, precision: int | None = None,
          na_rep: str = "-", columns: list[str] | None = None) -> Any:
    """A pandas Styler of ``frame`` without its index: ``formats`` per column (or one for all)."""
    if columns is not None:
        frame = frame[[c for c in columns if c in frame]]
    if isinstance(formats, dict):
        formats = {k: v for k, v in formats.items() if k in frame}
    return frame.style.format(formats, precision=precision, na_rep=na_rep).hide(axis="index")


def glue_all(run: Any, values: dict[str, Any]) -> None:
    """Glue every ``name: value`` into the book and the run's results."""
    from synthlib.runs import glue

    for name, value in values.items():
        glue(name, value, run)


def mean_gap(pivot: Any, ours: str, other: str, fmt: str = "{:+.1f}") -> str:
    """Mean over rows of ``pivot[ours] - pivot[other]``, or "n/a" when a column was not run."""
    if ours not in pivot or other not in pivot:
        return "n/a"
    gap = (pivot[ours] - pivot[other]).mean()
    return "n/a" if gap != gap else fmt.format(gap)


def mean_of(pivot: Any, column: str, fmt: str = "{:.1f}") -> str:
    """Mean of one column of ``pivot``, or "n/a" when it was not run."""
    if column not in pivot:
        return "n/a"
    value = pivot[column].mean()
    return "n/a" if value != value else fmt.format(value)


def show_figure(run: Any, figure: Any, name: str) -> None:
    """Save ``figure`` into the run as ``figures/<name>.png``, show it once, and close it.

    Displayed explicitly (not left to the inline backend's end-of-cell flush), so the figure
    reaches the notebook under any matplotlib backend, and closed so it is not shown twice.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    if run is not None:
        run.save_figure(figure, name)
    display(figure)
    plt.close(figure)
