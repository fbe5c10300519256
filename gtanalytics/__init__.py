"""gtanalytics: self-evaluation analytics for able, gifted and talented and disadvantaged pupils.

The public API is gathered here.  The package is in layers whose imports point down only:
``data`` (files to :class:`SchoolData`), the metrics (flat modules, one topic each:
``gtanalytics.progress``, ``gtanalytics.effects``, ``gtanalytics.gaps``, ...), then ``disclosure``,
``narrative`` and ``plotting``, then ``sections`` (one function per key question), then ``report``
and the CLI.  A module whose name starts with an underscore is internal.

Examples
--------
>>> import gtanalytics as gt
>>> data = gt.load_sample()
>>> pairs = gt.pair_assessments(data, outcome=dict(assessment="KS4", subject="A8"),
...                             prior=dict(assessment="KS2", subject=["reading", "maths"]))
>>> va = gt.value_added(pairs, outcome="outcome", prior="prior", by="school_id")
>>> list(va.groups.columns[:6])
['school_id', 'n', 'va', 'se', 'ci_low', 'ci_high']
"""

from gtanalytics.attendance import absence_rates, attendance_before_after, exclusion_rates
from gtanalytics.disclosure import check_disclosure, suppress, wales_rule
from gtanalytics.effects import effect_size, es_to_months, ratio_gain, ratio_gain_band
from gtanalytics.engagement import (enrichment_takeup, parents_evening_attendance, survey_summary,
                                    takeup_gap)
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.gap_trends import gap_trend
from gtanalytics.gaps import excellence_gap, gap, gap_index, threshold_gap, value_added_gap
from gtanalytics.interventions import intervention_impact, mini_review, termly_review
from gtanalytics.data import SchoolData, load
from gtanalytics.mentoring import mentor_caseloads, mentoring_impact
from gtanalytics.multilevel import fit_random_intercept
from gtanalytics.prior_attainment import pair_assessments, prior_band
from gtanalytics.progress import benchmark_progress, pooled_value_added, va_summary, value_added
from gtanalytics.reference import list_references, load_reference
from gtanalytics.register import (dual_exceptionality, missing_from_register, register_changes,
                                  register_representation)
from gtanalytics.datasets import load_sample
from gtanalytics.targets import estimate_targets, on_track, under_achievers
from gtanalytics.trends import improvement, mentoring_pairs, school_comparison

__version__ = "0.1.0"

__all__ = [
    "GTDataError", "GTWarning", "__version__",
    # loading
    "SchoolData", "load", "load_sample", "load_reference", "list_references",
    # progress
    "value_added", "benchmark_progress", "pair_assessments", "va_summary", "prior_band", "pooled_value_added",
    "fit_random_intercept", "estimate_targets", "on_track", "under_achievers",
    # interventions and mentoring
    "effect_size", "es_to_months", "ratio_gain", "ratio_gain_band",
    "intervention_impact", "mini_review", "termly_review", "mentor_caseloads", "mentoring_impact",
    # gaps and the register
    "gap", "threshold_gap", "value_added_gap", "gap_index", "excellence_gap", "gap_trend",
    "register_representation", "dual_exceptionality", "missing_from_register", "register_changes",
    # attendance, engagement, trends
    "absence_rates", "exclusion_rates", "attendance_before_after",
    "enrichment_takeup", "takeup_gap", "parents_evening_attendance", "survey_summary",
    "improvement", "school_comparison", "mentoring_pairs",
    # disclosure
    "suppress", "check_disclosure", "wales_rule",
]
