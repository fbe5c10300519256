"""The house chart style: colour-blind-safe palette, markers, line styles and reproducible images.

Used by :mod:`gtanalytics.plotting` (which re-exports the public names).
Colours come from the Okabe-Ito palette and every series also differs by
marker and line style, so a printed, photocopied governor pack still makes
sense. :func:`set_style` fixes ``svg.hashsalt`` and strips the creation date
from saved images so that the same inputs give byte-identical images.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd

from gtanalytics._stats import require_columns

__all__ = ["OKABE_ITO", "MARKERS", "LINESTYLES", "HATCHES", "STYLE", "set_style"]

#: Okabe & Ito (2008) colour-blind-safe palette, in the order used for series.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
CYCLE = list(OKABE_ITO.values())
#: Markers and line styles paired with the colours, so series differ in greyscale too.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES: tuple = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 3)), "-", "--")
HATCHES: tuple[str, ...] = ("", "//", "..", "xx", "\\\\", "--", "++", "oo")

#: Colours and markers that carry meaning: significantly above / in line / below / too few.
JUDGED = {
    "above": (OKABE_ITO["blue"], "^", "significantly above"),
    "in_line": (OKABE_ITO["black"], "o", "in line (interval includes 0)"),
    "below": (OKABE_ITO["vermillion"], "v", "significantly below"),
    "too_few": ("#888888", "o", "too few pupils to say"),
}

#: The rcParams of the house style.
STYLE: dict = {
    "axes.prop_cycle": mpl.cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "x",
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "font.family": "DejaVu Sans",
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "svg.hashsalt": "gtanalytics",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}


def set_style() -> None:
    """Apply the house style globally and make saved images reproducible.

    Call once at the top of a notebook. Sets the rcParams in :data:`STYLE`
    (including a fixed ``svg.hashsalt``) and, inside IPython, makes the
    inline backend emit PNG with no creation date, so that running a
    notebook twice on the same data gives identical images.

    Examples
    --------
    >>> from gtanalytics import plotting
    >>> plotting.set_style()
    >>> import matplotlib
    >>> matplotlib.rcParams["svg.hashsalt"]
    'gtanalytics'
    """
    mpl.rcParams.update(STYLE)
    try:  # only inside a running IPython kernel
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("png", metadata={"Software": None})
    except ImportError:  # pragma: no cover - IPython is a dependency
        pass


def new_axes(ax, figsize):
    """``ax`` itself, or new Axes of ``figsize`` in the house style when ``ax`` is None."""
    if ax is not None:
        return ax
    with mpl.rc_context(STYLE):
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def label_column(frame: pd.DataFrame, label: str | None, stats: Sequence[str]) -> str | None:
    """The column naming each row of a result: ``label`` if given (checked), else the first non-statistic column."""
    if label is not None:
        require_columns(frame, [label], "result", hint="Pass label= one of those columns.")
        return label
    for c in frame.columns:
        if c not in stats and not str(c).startswith(("n_", "ci_", "mean_", "low_")):
            return c
    return None


def n_label(n) -> str:
    """``n=12`` for a chart label, or ``n suppressed`` when the count is hidden."""
    return "n suppressed" if n is None or pd.isna(n) else f"n={int(n)}"

