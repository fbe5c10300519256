"""Charts: each takes a result frame and ax=None, returns the Axes, never shows, and draws what it says.

The checks read the drawn artists back (positions of points and interval ends, marker shapes,
colours, line styles) so a chart that silently dropped a group, mis-ordered estimates or lost
its reference line would fail. Figures are closed after each test by the conftest fixture.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from gtanalytics import plotting  # noqa: E402
from gtanalytics.errors import GTDataError  # noqa: E402


@pytest.fixture(autouse=True)
def _no_show(monkeypatch):
    def boom(*a, **k):  # pragma: no cover - only runs if a plot function calls plt.show()
        raise AssertionError("plot functions must never call plt.show()")
    monkeypatch.setattr(plt, "show", boom)


def _groups():
    return pd.DataFrame({"group": ["A", "B", "C", "D"], "n": [30, 25, 4, 40], "va": [0.5, -0.4, 0.9, 0.05],
                         "ci_low": [0.1, -0.7, -0.5, -0.2], "ci_high": [0.9, -0.1, 2.3, 0.3]})


def _points(ax):
    """(x, y, marker, facecolour) of single-point Line2D artists (the estimates)."""
    out = []
    for line in ax.get_lines():
        x, y = line.get_xdata(), line.get_ydata()
        if len(x) == 1 and line.get_linestyle() == "None":
            out.append((float(x[0]), float(y[0]), line.get_marker(), line.get_markerfacecolor()))
    return out


def test_estimates_ordered_with_intervals_and_judged_markers():
    ax = plotting.estimates(_groups(), label="group")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # ordered by estimate, largest at the top (highest y)
    assert labels == ["B (n=25)", "D (n=40)", "A (n=30)", "C (n=4)"]
    pts = {lab.split(" ")[0]: p for lab, p in zip(labels, sorted(_points(ax), key=lambda p: p[1]))}
    assert pts["A"][0] == pytest.approx(0.5) and pts["A"][2] == "^"      # significantly above
    assert pts["B"][2] == "v"                                             # significantly below
    assert pts["D"][2] == "o"                                             # in line
    assert pts["C"][3] == "white"                                         # too few: hollow
    # each interval drawn at its row from ci_low to ci_high
    segs = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 2 and ln.get_ydata()[0] == ln.get_ydata()[1]]
    spans = sorted((round(float(min(s.get_xdata())), 6), round(float(max(s.get_xdata())), 6)) for s in segs)
    assert (0.1, 0.9) in spans and (-0.7, -0.1) in spans
    # reference line at zero
    assert any(list(ln.get_xdata()) == [0, 0] for ln in ax.get_lines())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "significantly above" in legend and "too few pupils to say" in legend


def test_estimates_suppressed_row_listed_without_point():
    g = _groups()
    g.loc[2, ["n", "va", "ci_low", "ci_high"]] = np.nan
    ax = plotting.value_added_by_group(g, label="group")
    assert len(_points(ax)) == 3
    assert any(t.get_text() == "too few pupils to show" for t in ax.texts)
    assert "C (n suppressed)" in [t.get_text() for t in ax.get_yticklabels()]


def test_returns_given_axes_and_new_axes():
    fig, ax = plt.subplots()
    assert plotting.value_added_by_group(_groups(), ax=ax) is ax
    assert isinstance(plotting.value_added_by_group(_groups()), matplotlib.axes.Axes)


def test_actual_vs_expected_reference_line_and_hue():
    p = pd.DataFrame({"ks2": [100.0, 104, 110, 95], "expected": [101.0, 103, 108, 97],
                      "gt": [True, False, True, False]})
    ax = plotting.actual_vs_expected(p, outcome="ks2", hue="gt", fit_line=False)
    points = ax.collections[0]
    xy = np.round(points.get_offsets(), 6)
    assert sorted(map(tuple, xy)) == sorted(zip(p["expected"], p["ks2"]))   # x = expected, y = actual
    colours = {tuple(points.get_facecolors()[i][:3]) for i in range(len(p))}
    assert len(colours) == 2                                                 # one colour per group
    assert len({tuple(map(tuple, path.vertices)) for path in points.get_paths()}) == 2   # and one marker per group
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "gt = False (n=2)" in labels and "gt = True (n=2)" in labels
    ref = [ln for ln in ax.get_lines() if ln.get_label() == "actual = expected"][0]
    x, y = ref.get_data()
    assert np.allclose(x, y)


def test_value_added_scatter_line_is_the_least_squares_fit():
    """The regression line of actual on expected equals numpy's least-squares fit; its band covers it;
    for a cohort regression (OLS with an intercept) that line is the diagonal (slope 1, intercept 0)."""
    import gtanalytics as gt

    rng = np.random.default_rng(5)
    prior = rng.normal(100, 6, 120)
    df = pd.DataFrame({"prior": prior, "ks2": 20 + 0.8 * prior + rng.normal(0, 4, 120),
                       "fsm": rng.random(120) < 0.3})
    va = gt.value_added(df, outcome="ks2", prior="prior")
    ax = plotting.value_added_scatter(va, hue="fsm")
    fit = [ln for ln in ax.get_lines() if ln.get_label().startswith("line of best fit")][0]
    x, y = (np.asarray(a, dtype=float) for a in fit.get_data())
    slope, intercept = np.polyfit(va.pupils["expected"], va.pupils["ks2"], 1)
    assert np.allclose(y, intercept + slope * x)
    assert slope == pytest.approx(1.0) and intercept == pytest.approx(0.0, abs=1e-8)
    band = ax.collections[-1].get_paths()[0].vertices
    assert band[:, 1].min() < y.min() and band[:, 1].max() > y.max()
    assert len(ax.collections[0].get_offsets()) == 120
    assert ax.get_title(loc="left") == "Actual against expected (120 pupils)"


def test_gap_trend_wide_and_long():
    wide = pd.DataFrame({"academic_year": ["2023/24", "2022/23"], "mean_focus": [100.0, 98.0],
                         "mean_other": [104.5, 104.0], "n_focus": [22, 20], "n_other": [58, 60]})
    ax = plotting.gap_trend(wide)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert list(lines["Disadvantaged"].get_ydata()) == [98.0, 100.0]  # sorted by year
    assert lines["Disadvantaged"].get_linestyle() != lines["Other pupils"].get_linestyle()
    assert lines["Disadvantaged"].get_marker() != lines["Other pupils"].get_marker()
    long = pd.DataFrame({"academic_year": ["2022/23"] * 2 + ["2023/24"] * 2, "group": ["focus", "other"] * 2,
                         "n": [20, 60, 22, 58], "estimate": [98.0, 104.0, 100.0, 104.5],
                         "ci_low": [96.0, 103.0, 98.0, 103.5], "ci_high": [100.0, 105.0, 102.0, 105.5]})
    ax = plotting.gap_trend(long)
    assert len(ax.collections) == 2  # error bars for both groups
    focus = [ln for ln in ax.get_lines() if ln.get_label().startswith("Disadvantaged")][0]
    assert list(focus.get_ydata()) == [98.0, 100.0]


def test_register_composition_bars():
    c = pd.DataFrame({"characteristic": ["disadvantaged", "sen"], "value": ["yes", "K"],
                      "share_register": [0.12, np.nan], "share_cohort": [0.30, 0.14]})
    ax = plotting.register_composition(c)
    ticks = {round(float(t.get_position()[1])): t.get_text() for t in ax.get_yticklabels()}
    assert ticks == {1: "Disadvantaged pupils", 0: "Pupils with SEN support"}  # first row at the top
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == [0.0, 12.0, 14.0, 30.0]
    assert any(p.get_hatch() == "//" for p in ax.patches)
    assert any("few of them on the register" in t.get_text() for t in ax.texts)  # the register count, not the group


def test_effects_forest_months_and_columns():
    e = pd.DataFrame({"programme": ["Reading Recovery", "Maths club"], "estimate": [0.35, 0.02],
                      "ci_low": [0.05, -0.3], "ci_high": [0.65, 0.34], "n": [24, 15], "months": [4, 0]})
    ax = plotting.effects_forest(e, label="programme")
    notes = [t.get_text() for t in ax.texts]
    assert "4 months more" in notes and "no difference" in notes
    e.loc[1, "months"] = -1
    ax = plotting.effects_forest(e, label="programme")
    assert "1 month less" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Maths club (n=15)", "Reading Recovery (n=24)"]


def test_attendance_distribution_percent_of_group():
    p = pd.DataFrame({"absence_rate": [2.0, 4.5, 11.0, 6.0, 3.0], "fsm": [True, False, True, False, False]})
    ax = plotting.attendance_distribution(p, by="fsm", bins=[0, 5, 10, 15])
    heights = [pt.get_path().vertices[:, 1].max() for pt in ax.patches]
    assert max(heights) == pytest.approx(100 * 2 / 3)  # two of the three non-FSM pupils are below 5%
    assert any(ln.get_label().startswith("persistent absence") for ln in ax.get_lines())


def test_style_is_reproducible_and_colour_blind_safe():
    plotting.set_style()
    assert matplotlib.rcParams["svg.hashsalt"] == "gtanalytics"
    assert set(plotting.OKABE_ITO.values()) >= {"#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00"}

    def png():
        ax = plotting.value_added_by_group(_groups(), label="group")
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png", metadata={"Software": None})
        plt.close(ax.figure)
        return buf.getvalue()

    def svg():
        ax = plotting.gap_trend(pd.DataFrame({"academic_year": ["a", "b"], "mean_focus": [1.0, 2.0],
                                              "mean_other": [2.0, 2.5], "n_focus": [9, 9], "n_other": [9, 9]}))
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="svg", metadata={"Date": None})
        plt.close(ax.figure)
        return buf.getvalue()

    assert png() == png()
    assert svg() == svg()


def test_a_label_column_that_is_not_there_is_named_in_plain_english():
    frame = pd.DataFrame({"school": ["A"], "n": [20], "estimate": [0.1], "ci_low": [0.0], "ci_high": [0.2]})
    with pytest.raises(GTDataError, match=r"The result table has no column 'nope'.*Columns found: school, n"):
        plotting.estimates(frame, label="nope")
