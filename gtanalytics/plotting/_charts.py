"""Charts of results, in one accessible style.

This module and its style, :mod:`gtanalytics.plotting`, are the only
modules of gtanalytics that import matplotlib. Every function
takes a *result* frame (the output of a metric function, never raw pupil
records), draws on ``ax`` (a new figure when ``ax`` is None) and returns the
Axes. Nothing here calls ``plt.show()``.

The style is colour-blind safe and reads in greyscale: colours come from the
Okabe-Ito palette and every series also differs by marker and line style, so
a printed, photocopied governor pack still makes sense. Estimates are always
drawn with their interval, and groups too small to conclude anything are drawn
hollow and labelled, never silently dropped.

Reproducibility: :func:`set_style` fixes ``svg.hashsalt`` and strips the
creation date from saved files so that the same inputs give byte-identical
images.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd

from gtanalytics.plotting._style import (
    CYCLE,
    JUDGED,
    HATCHES,
    LINESTYLES,
    MARKERS,
    OKABE_ITO,
    STYLE,
    new_axes,
    n_label,
    label_column,
)
from gtanalytics._stats import COUNT_COLUMNS, ESTIMATE_COLUMNS, LOW_N, vocabulary_column
from gtanalytics.errors import GTDataError
from gtanalytics.narrative import judge_interval

__all__ = [
    "actual_vs_expected",
    "value_added_scatter",
    "estimates",
    "value_added_by_group",
    "gap_trend",
    "register_composition",
    "effects_forest",
    "attendance_distribution",
    "staff_caseloads",
]


def actual_vs_expected(
    pupils: pd.DataFrame,
    *,
    outcome: str,
    expected: str = "expected",
    hue: str | None = None,
    fit_line: bool = True,
    ax=None,
    title: str | None = None,
    xlabel: str = "Expected (from starting point)",
    ylabel: str = "Actual",
):
    """Scatter of each pupil's actual outcome against the expected one, with its regression line.

    Points above the dashed diagonal did better than expected. The solid line
    is the least-squares line of actual on expected (seaborn ``regplot``) with
    a shaded 95% interval (bootstrap, 1000 resamples, fixed seed so the chart
    is reproducible). For a cohort regression (``method="ols"``) it lies on
    the diagonal by construction; against a national benchmark a line above
    or flatter than the diagonal shows where the pupils differ from national.
    For senior leaders only: one point per pupil.

    Parameters
    ----------
    pupils : DataFrame
        The ``.pupils`` frame of a value-added result: one row per pupil with
        the outcome and the ``expected`` column.
    outcome, expected : str
        Columns of the actual and expected outcome.
    hue : str, optional
        A column (e.g. ``"disadvantaged"`` or ``"gt_register"``) whose values
        get different colours *and* markers, labelled with their number of pupils.
    fit_line : bool, default True
        Draw the regression line and its interval (needs at least 3 pupils).
    ax : matplotlib Axes, optional
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes

    See Also
    --------
    value_added_scatter : the same chart from a value-added result.

    Examples
    --------
    >>> import pandas as pd
    >>> from gtanalytics import plotting
    >>> p = pd.DataFrame({"ks2": [100, 104, 110], "expected": [101, 103, 108]})
    >>> ax = plotting.actual_vs_expected(p, outcome="ks2")
    """
    import seaborn as sns

    ax = new_axes(ax, (5.5, 5))
    data = pupils[[outcome, expected] + ([hue] if hue else [])].dropna(subset=[outcome, expected])
    data = data.astype({outcome: float, expected: float})
    with mpl.rc_context(STYLE):
        if hue is None:
            sns.scatterplot(data=data, x=expected, y=outcome, ax=ax, s=22, alpha=0.75, color=CYCLE[0],
                            marker=MARKERS[0], edgecolor="white", linewidth=0.4)
        else:
            counts = data[hue].value_counts(dropna=False)
            labels = data[hue].map(lambda v: f"{hue} = {v} (n={counts[v]})")
            order = [f"{hue} = {v} (n={counts[v]})" for v in sorted(counts.index, key=str)]
            k = len(order)
            sns.scatterplot(data=data.assign(_group=labels), x=expected, y=outcome, hue="_group", style="_group",
                            hue_order=order, style_order=order, palette=[CYCLE[i % len(CYCLE)] for i in range(k)],
                            markers=[MARKERS[i % len(MARKERS)] for i in range(k)], ax=ax, s=22, alpha=0.75,
                            edgecolor="white", linewidth=0.4)
        lo = float(np.nanmin(data[[outcome, expected]].to_numpy())) if len(data) else 0.0
        hi = float(np.nanmax(data[[outcome, expected]].to_numpy())) if len(data) else 1.0
        pad = (hi - lo) * 0.05 or 1.0
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="#555555", linestyle="--", linewidth=1,
                label="actual = expected")
        if fit_line and len(data) >= 3 and data[expected].nunique() > 1:
            sns.regplot(data=data, x=expected, y=outcome, scatter=False, ci=95, n_boot=1000, seed=0, truncate=True,
                        color=OKABE_ITO["black"], ax=ax, label="line of best fit (shaded: 95% interval)",
                        line_kws={"linewidth": 1.5})
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_aspect("equal", adjustable="box")
        ax.grid(True, axis="both")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title or f"Actual against expected ({len(data)} pupils)")
        ax.legend(loc="upper left")
    return ax


def value_added_scatter(result, *, hue: str | None = None, ax=None, title: str | None = None,
                        xlabel: str = "Expected (from starting point)", ylabel: str = "Actual"):
    """Each pupil's actual against expected outcome from a value-added result, with the regression line.

    :func:`actual_vs_expected` drawn from ``result.pupils``, the outcome
    column taken from the fitted model. For senior leaders only.

    Parameters
    ----------
    result : gtanalytics.progress.ValueAddedResult
        What :func:`gtanalytics.value_added` returns.
    hue : str, optional
        A column of ``result.pupils`` to colour (and mark) pupils by.
    ax : matplotlib Axes, optional
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import gtanalytics as gt
    >>> from gtanalytics import plotting
    >>> df = pd.DataFrame({"prior": [95, 100, 105, 110, 98, 103], "ks2": [97, 101, 108, 109, 96, 106],
    ...                    "fsm": [True, False, False, True, True, False]})
    >>> va = gt.value_added(df, outcome="ks2", prior="prior")
    >>> ax = plotting.value_added_scatter(va, hue="fsm")
    >>> ax.get_title(loc="left")
    'Actual against expected (6 pupils)'
    """
    return actual_vs_expected(result.pupils, outcome=result.model.spec["outcome"], hue=hue, ax=ax, title=title,
                              xlabel=xlabel, ylabel=ylabel)


def estimates(
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    min_n: int = LOW_N,
    order: bool = True,
    reference: float = 0.0,
    ax=None,
    title: str | None = None,
    xlabel: str | None = None,
    annotate: str | None = None,
):
    """Estimates with their intervals, one row per group, ordered.

    The general chart behind value-added by group or school, gaps by subject
    and effect sizes: a point per group with a horizontal interval, a
    reference line (0 by default), markers that say whether the interval is
    wholly above, wholly below or across the reference, and groups below
    ``min_n`` drawn hollow in grey. Rows whose estimate is missing (for example
    suppressed by :mod:`gtanalytics.disclosure`) are listed as "too few pupils"
    without a point.

    Parameters
    ----------
    frame : DataFrame
        A result in the result vocabulary, one row per group: its estimate
        (``estimate``, or ``va``, ``g``, ``gap``: the first there,
        :data:`gtanalytics._stats.ESTIMATE_COLUMNS`), ``ci_low``, ``ci_high``
        and its pupils (``n``, or ``n_treatment`` / ``n_focus`` of a two-group
        comparison).
    label : str, optional
        Column naming each group; by default the first column that is not a
        statistic.
    min_n : int
        Groups with fewer pupils are drawn as "too few pupils to say".
    order : bool
        Sort groups by estimate (largest at the top).
    reference : float
        Where the reference line is drawn and what intervals are judged against.
    annotate : str, optional
        Column whose text is written at the right of each row (e.g. months).
    ax, title, xlabel

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from gtanalytics import plotting
    >>> g = pd.DataFrame({"group": ["G&T", "Others"], "n": [20, 80], "va": [0.4, -0.1],
    ...                   "ci_low": [0.1, -0.3], "ci_high": [0.7, 0.1]})
    >>> ax = plotting.estimates(g, label="group")
    """
    estimate, n = vocabulary_column(frame), vocabulary_column(frame, COUNT_COLUMNS)
    if estimate is None:
        raise GTDataError(f"estimates() needs an estimate column, one of {ESTIMATE_COLUMNS}; "
                          f"the frame has {list(frame.columns)}.")
    ci_low, ci_high = "ci_low", "ci_high"
    stats = (*ESTIMATE_COLUMNS, *COUNT_COLUMNS, "n_comparison", "n_other", ci_low, ci_high, "se", "band", "low_n",
             "p_value", "suppressed", "ci_method")
    lab = label_column(frame, label, stats)
    df = frame.copy()
    df["_label"] = df[lab].astype("string").fillna("not recorded") if lab else "All pupils"
    if order:
        df = df.sort_values(estimate, ascending=True, na_position="first", kind="mergesort")
    height = 0.9 + 0.38 * len(df)
    ax = new_axes(ax, (7, max(2.2, height)))
    with mpl.rc_context(STYLE):
        ys = np.arange(len(df))
        seen = set()
        ticklabels = []
        for y, (_, row) in zip(ys, df.iterrows()):
            nn = row.get(n) if n else None
            ticklabels.append(f"{row['_label']} ({n_label(nn)})")
            est = row[estimate]
            if pd.isna(est):
                ax.text(reference, y, "too few pupils to show", va="center", ha="center", fontsize=8,
                        color="#555555", style="italic")
                continue
            low = row[ci_low] - reference if not pd.isna(row[ci_low]) else np.nan
            high = row[ci_high] - reference if not pd.isna(row[ci_high]) else np.nan
            kind = judge_interval(low, high, n=nn if nn is not None else min_n, min_n=min_n)
            colour, marker, meaning = JUDGED[kind]
            if not pd.isna(row[ci_low]) and not pd.isna(row[ci_high]):
                ax.plot([row[ci_low], row[ci_high]], [y, y], color=colour, linewidth=2,
                        linestyle="-" if kind != "too_few" else ":", solid_capstyle="butt")
            ax.plot([est], [y], marker=marker, markersize=8, linestyle="none", color=colour,
                    markerfacecolor="white" if kind == "too_few" else colour,
                    label=meaning if kind not in seen else None)
            seen.add(kind)
            if annotate and annotate in df.columns and not pd.isna(row[annotate]):
                ax.annotate(str(row[annotate]), xy=(1.0, y), xycoords=("axes fraction", "data"),
                            xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        ax.axvline(reference, color="#555555", linestyle="--", linewidth=1)
        ax.set_yticks(ys, ticklabels)
        ax.set_ylim(-0.7, len(df) - 0.3)
        ax.set_xlabel(xlabel or f"{estimate} with {_interval_words(frame)}")
        if title:
            ax.set_title(title)
        if seen:  # below the axis label: about 0.6 inch under the axes, whatever the chart's height
            below = 0.6 / (ax.figure.get_figheight() * ax.get_position().height)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -below), ncol=min(len(seen), 4), fontsize=8,
                      frameon=False)
    return ax


def _interval_words(frame: pd.DataFrame) -> str:
    conf = frame.attrs.get("confidence", 0.95) if hasattr(frame, "attrs") else 0.95
    return f"{conf:.0%} interval"


def value_added_by_group(groups: pd.DataFrame, *, label: str | None = None, min_n: int = LOW_N, ax=None,
                         title: str | None = None, xlabel: str = "Value added (actual - expected)"):
    """Value added by group or by school, as ordered estimates with intervals.

    A thin wrapper of :func:`estimates` for the ``.groups`` frame of
    :func:`gtanalytics.progress.value_added` (columns ``n, va, ci_low, ci_high``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from gtanalytics import plotting
    >>> g = pd.DataFrame({"school_id": ["A", "B"], "n": [30, 25], "va": [0.2, -0.3],
    ...                   "ci_low": [-0.1, -0.6], "ci_high": [0.5, -0.05]})
    >>> ax = plotting.value_added_by_group(g)
    """
    return estimates(groups, label=label, min_n=min_n, ax=ax, title=title, xlabel=xlabel)


def gap_trend(
    gaps: pd.DataFrame,
    *,
    x: str = "academic_year",
    focus_label: str = "Disadvantaged",
    other_label: str = "Other pupils",
    ax=None,
    title: str | None = None,
    ylabel: str = "Mean score",
):
    """Both groups' means over time, so a gap can be seen closing or widening.

    The focus group is drawn in orange with circles and a solid line, the other
    pupils in blue with squares and a dashed line; the size of each group is
    written under each year. Years whose means are missing (suppressed) leave a
    break in the line.

    Parameters
    ----------
    gaps : DataFrame
        Either one row per year from :func:`gtanalytics.gaps.gap` with
        ``by=x`` (wide: ``mean_focus, mean_other, n_focus, n_other``), or the
        ``.groups`` frame of :func:`gtanalytics.gap_trends.gap_trend` (long: ``group``
        "focus"/"other", ``n, estimate, ci_low, ci_high``), whose intervals are
        drawn as error bars.
    x : str
        Column along the horizontal axis (usually ``academic_year``).
    focus_label, other_label : str
        Legend names of the two groups.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from gtanalytics import plotting
    >>> g = pd.DataFrame({"academic_year": ["2022/23", "2023/24"], "mean_focus": [98.0, 100.0],
    ...                   "mean_other": [104.0, 104.5], "n_focus": [20, 22], "n_other": [60, 58]})
    >>> ax = plotting.gap_trend(g)
    """
    mean_focus, mean_other, n_focus, n_other = "mean_focus", "mean_other", "n_focus", "n_other"
    ci = None
    if "group" in gaps.columns and "estimate" in gaps.columns:  # long form of GapTrend.groups
        wide = gaps.pivot_table(index=x, columns="group", values=["estimate", "n", "ci_low", "ci_high"],
                                aggfunc="first", dropna=False)
        df = pd.DataFrame({x: wide.index,
                           mean_focus: wide[("estimate", "focus")].to_numpy(), mean_other: wide[("estimate", "other")].to_numpy(),
                           n_focus: wide[("n", "focus")].to_numpy(), n_other: wide[("n", "other")].to_numpy()})
        ci = {mean_focus: (wide[("ci_low", "focus")].to_numpy(), wide[("ci_high", "focus")].to_numpy()),
              mean_other: (wide[("ci_low", "other")].to_numpy(), wide[("ci_high", "other")].to_numpy())}
    else:
        df = gaps
    df = df.sort_values(x, kind="mergesort").reset_index(drop=True)
    ax = new_axes(ax, (7, 3.8))
    with mpl.rc_context(STYLE):
        xs = np.arange(len(df))
        for col, nc, name, colour, marker, ls in (
            (mean_focus, n_focus, focus_label, OKABE_ITO["orange"], "o", "-"),
            (mean_other, n_other, other_label, OKABE_ITO["blue"], "s", "--"),
        ):
            ys = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
            shift = -0.04 if col == mean_focus else 0.04
            if ci is not None:
                lo, hi = (np.asarray(v, dtype=float) for v in ci[col])
                ax.errorbar(xs + shift, ys, yerr=[ys - lo, hi - ys], fmt="none", ecolor=colour, elinewidth=1.2,
                            capsize=3)
            ax.plot(xs + shift, ys, color=colour, marker=marker, linestyle=ls, linewidth=2, markersize=7,
                    label=name + (" (95% interval)" if ci is not None else ""))
        ticks = []
        for _, row in df.iterrows():
            nf = n_label(row[n_focus]) if n_focus in df.columns else ""
            no = n_label(row[n_other]) if n_other in df.columns else ""
            ticks.append(f"{row[x]}\n{nf} / {no}" if nf else str(row[x]))
        ax.set_xticks(xs, ticks)
        ax.grid(True, axis="y")
        ax.grid(False, axis="x")
        ax.set_ylabel(ylabel)
        ax.set_xlim(-0.4, len(df) - 0.6)
        ax.set_title(title or f"{focus_label} and {other_label.lower()} over time")
        ax.legend(loc="best")
    return ax


def register_composition(
    composition: pd.DataFrame,
    *,
    label: str | None = None,
    scale: float = 100.0,
    ax=None,
    title: str | None = None,
    xlabel: str = "Percentage of pupils",
):
    """Who is on the G&T register against who is in the cohort.

    Paired horizontal bars per pupil group: the register (blue, plain) and the
    whole cohort (orange, hatched). A representative register has bars of
    about equal length. Groups whose register share is missing (suppressed)
    are labelled "too few pupils to show", or "hidden so a small group cannot
    be worked out" where a ``suppressed`` column says ``"secondary"``.

    Parameters
    ----------
    composition : DataFrame
        :func:`gtanalytics.register.register_representation` (shares as
        proportions; rows labelled from ``characteristic`` and ``value``), or
        any frame with a label column and the two shares ``share_register``,
        ``share_cohort``.
    label : str, optional
        Label column; by default readable names made from ``characteristic``
        and ``value``.
    scale : float
        Multiplier to percent (100 for proportions, 1 for percentages).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from gtanalytics import plotting
    >>> c = pd.DataFrame({"characteristic": ["disadvantaged", "sen"], "value": ["yes", "K"],
    ...                   "share_register": [0.12, 0.05], "share_cohort": [0.30, 0.14]})
    >>> ax = plotting.register_composition(c)
    """
    from gtanalytics.narrative import group_label

    df = composition.reset_index(drop=True)
    if label is None and {"characteristic", "value"} <= set(df.columns):
        names = [group_label(c, v) for c, v in zip(df["characteristic"], df["value"])]
    else:
        names = df[label or df.columns[0]].astype("string").fillna("(missing)").tolist()
    ax = new_axes(ax, (7, max(2.4, 0.9 + 0.5 * len(df))))
    with mpl.rc_context(STYLE):
        ys = np.arange(len(df))[::-1]
        h = 0.38
        reg = scale * pd.to_numeric(df["share_register"], errors="coerce").to_numpy(dtype=float)
        coh = scale * pd.to_numeric(df["share_cohort"], errors="coerce").to_numpy(dtype=float)
        ax.barh(ys + h / 2, np.nan_to_num(reg), height=h, color=OKABE_ITO["blue"], edgecolor="black",
                linewidth=0.5, label="G&T register")
        ax.barh(ys - h / 2, np.nan_to_num(coh), height=h, color=OKABE_ITO["orange"], edgecolor="black",
                linewidth=0.5, hatch="//", label="Whole cohort")
        why = df["suppressed"].astype("string").fillna("") if "suppressed" in df.columns else [""] * len(df)
        for y, r, w in zip(ys, reg, why):
            if np.isnan(r):
                ax.text(0.5, y + h / 2, "hidden so a small group cannot be worked out" if w == "secondary"
                        else "not shown: few of them on the register", va="center", fontsize=8, style="italic",
                        color="#555555")
        ax.set_yticks(ys, names)
        ax.set_xlabel(xlabel)
        ax.grid(True, axis="x")
        ax.set_title(title or "Register composition against the cohort")
        below = 0.6 / (ax.figure.get_figheight() * ax.get_position().height)  # under the axis label, not on a bar
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -below), ncol=2, frameon=False)
    return ax


def effects_forest(
    effects: pd.DataFrame,
    *,
    label: str | None = None,
    months: bool = True,
    min_n: int = LOW_N,
    ax=None,
    title: str | None = None,
    xlabel: str = "Effect size with 95% interval",
):
    """Forest plot of intervention effects with the EEF months' progress.

    One row per programme (or member of staff), ordered by effect size, with
    the interval, a line at zero and the months' progress written at the
    right. The pupil count used to grey out small groups is ``n`` or, when
    absent, ``n_treatment``.

    Parameters
    ----------
    effects : DataFrame
        Effects in the result vocabulary with a label column: rows of
        :func:`gtanalytics.effects.effect_size` (``g, ci_low, ci_high,
        n_treatment, months``), :func:`gtanalytics.interventions.intervention_impact`
        or :func:`gtanalytics.mentoring.mentoring_impact` (``n, estimate,
        ci_low, ci_high``), as they come.
    label : str, optional
        Column naming each row.
    months : bool, default True
        Write the ``months`` column (EEF months' progress) at the right, when there is one.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from gtanalytics import plotting
    >>> e = pd.DataFrame({"programme": ["Reading Recovery", "Maths club"], "g": [0.35, 0.02],
    ...                   "ci_low": [0.05, -0.3], "ci_high": [0.65, 0.34], "n_treatment": [24, 15],
    ...                   "months": [4, 0]})
    >>> ax = plotting.effects_forest(e, label="programme")
    """
    df = effects.copy()
    if months and "months" in df.columns:
        m = pd.to_numeric(df["months"], errors="coerce")
        df["_months"] = [None if pd.isna(v) else "no difference" if v == 0 else
                         f"{abs(int(v))} month{'s' if abs(v) != 1 else ''} {'more' if v > 0 else 'less'}" for v in m]
    return estimates(df, label=label, min_n=min_n, ax=ax, title=title, xlabel=xlabel,
                     annotate="_months" if "_months" in df.columns else None)


def attendance_distribution(
    pupils: pd.DataFrame,
    *,
    value: str = "absence_rate",
    by: str | None = None,
    threshold: float | None = 10.0,
    bins: int | Sequence[float] = 20,
    ax=None,
    title: str | None = None,
    xlabel: str = "Sessions missed (%)",
):
    """Distribution of pupils' absence (or attendance) rates, by group.

    Step histograms as percentages of each group, each group with its own
    colour and line style, and a vertical line at the persistent-absence
    threshold (10% of possible sessions, methodology 7). For senior leaders:
    governor reports show rates by group instead.

    Parameters
    ----------
    pupils : DataFrame
        One row per pupil with a rate column (percent).
    value : str
        The rate column.
    by : str, optional
        Group column (e.g. ``"gt_register"``).
    threshold : float or None
        Where the dotted persistent-absence line is drawn (None for none).
    bins : int or sequence

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from gtanalytics import plotting
    >>> p = pd.DataFrame({"absence_rate": [2.0, 4.5, 11.0, 6.0], "fsm": [True, False, True, False]})
    >>> ax = plotting.attendance_distribution(p, by="fsm")
    """
    ax = new_axes(ax, (7, 3.6))
    data = pupils.dropna(subset=[value])
    values = data[value].to_numpy(dtype=float)
    edges = np.histogram_bin_edges(values if len(values) else [0, 1], bins=bins)
    with mpl.rc_context(STYLE):
        groups = [("All pupils", data)] if by is None else list(data.groupby(by, sort=True, dropna=False))
        for i, (name, part) in enumerate(groups):
            w = np.full(len(part), 100.0 / len(part)) if len(part) else None
            ax.hist(part[value].to_numpy(dtype=float), bins=edges, weights=w, histtype="step", linewidth=2,
                    color=CYCLE[i % len(CYCLE)], linestyle=LINESTYLES[i % len(LINESTYLES)],
                    label=f"{name if by is None else f'{by} = {name}'} (n={len(part)})")
        if threshold is not None:
            ax.axvline(threshold, color="#555555", linestyle=":", linewidth=1.5,
                       label=f"persistent absence ({threshold:g}%)")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Percentage of the group")
        ax.grid(True, axis="y")
        ax.set_title(title or "How much school pupils missed")
        ax.legend(loc="upper right")
    return ax


def staff_caseloads(frame: pd.DataFrame, *, label: str = "staff", parts=("intervention_pupils", "mentees"),
                    names=("Pupils in intervention programmes", "Mentees"), ax=None, title: str | None = None,
                    xlabel: str = "Pupils"):
    """Each member of staff's pupils as stacked horizontal bars, one colour and hatch per kind of work.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"staff": ["LSA-1", "LSA-2"], "intervention_pupils": [8, 0], "mentees": [3, 3]})
    >>> ax = staff_caseloads(f)
    """
    ax = new_axes(ax, (7, max(2.0, 0.45 * len(frame) + 1.2)))
    with mpl.rc_context(STYLE):
        left = np.zeros(len(frame))
        y = np.arange(len(frame))[::-1]
        for i, (col, name) in enumerate(zip(parts, names)):
            values = frame[col].fillna(0).to_numpy(dtype=float)
            ax.barh(y, values, left=left, color=CYCLE[i % len(CYCLE)], hatch=HATCHES[i % len(HATCHES)],
                    edgecolor="white", label=name)
            left += values
        for yi, total in zip(y, left):
            ax.text(total + 0.2, yi, f"{total:.0f}", va="center")
        ax.set_yticks(y, frame[label].astype(str))
        ax.set_xlabel(xlabel)
        ax.grid(True, axis="x")
        ax.set_title(title or "Pupils each member of staff works with")
        ax.legend(loc="lower right")
    return ax
