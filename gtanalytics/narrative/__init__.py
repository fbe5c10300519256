"""Plain-English sentences from results, careful about uncertainty.

Every sentence a section or report writes about a result comes from here: how an interval is read
(:func:`judge_interval`), value added, gaps, effects, the register, attendance, leadership and capacity evidence,
and the self-evaluation summary.
"""

from gtanalytics.narrative._wording import judge_interval
from gtanalytics.narrative._register import describe_register, group_label
from gtanalytics.narrative._oversight import (
    describe_deployment, describe_partnerships, describe_school_standing, describe_support,
)
from gtanalytics.narrative._results import (
    describe_attendance, describe_change, describe_effect, describe_gap, describe_gap_trend,
    describe_value_added,
)

__all__ = [
    "judge_interval",
    "describe_register",
    "group_label",
    "describe_deployment",
    "describe_partnerships",
    "describe_school_standing",
    "describe_support",
    "describe_attendance",
    "describe_change",
    "describe_effect",
    "describe_gap",
    "describe_gap_trend",
    "describe_value_added",
]
