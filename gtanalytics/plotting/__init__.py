"""Charts of results, in one accessible house style (colour-blind-safe palette, markers, reproducible PNGs)."""

from gtanalytics.plotting._style import HATCHES, LINESTYLES, MARKERS, OKABE_ITO, STYLE, set_style
from gtanalytics.plotting._charts import (
    actual_vs_expected, attendance_distribution, effects_forest, estimates, gap_trend, register_composition,
    staff_caseloads, value_added_by_group, value_added_scatter,
)

__all__ = [
    "HATCHES",
    "LINESTYLES",
    "MARKERS",
    "OKABE_ITO",
    "STYLE",
    "set_style",
    "actual_vs_expected",
    "attendance_distribution",
    "effects_forest",
    "estimates",
    "gap_trend",
    "register_composition",
    "staff_caseloads",
    "value_added_by_group",
    "value_added_scatter",
]
