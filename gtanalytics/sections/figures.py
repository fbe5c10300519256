"""Small plumbing shared by the section modules: keep a chart for later display, turn warnings into notes."""

from __future__ import annotations

import warnings

__all__ = ["keep", "notes_for", "noting"]


def keep(ax):
    """The Figure of ``ax``, detached from pyplot so that it shows once, where the section displays it."""
    import matplotlib.pyplot as plt

    fig = ax.figure
    plt.close(fig)
    return fig


def noting(notes: list, function, *args, **kwargs):
    """Call ``function``; append each warning it raises to ``notes`` (as text) instead of printing it.

    A section shows leaders these notes in words next to the result (what a
    warning says about a small group or an unstable estimate belongs with the
    result, not in a notebook's error stream); governors see the result's own
    wording, which already says "too few pupils to say".
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = function(*args, **kwargs)
    for w in caught:
        text = f"Note: {w.message}"
        if text not in notes:
            notes.append(text)
    return out


def notes_for(audience: str, notes: list) -> tuple:
    """The notes a section shows: leaders see them; governors' sentences already say what is too small to judge."""
    return tuple(notes) if audience == "leaders" else ()
