"""Key-area sections shared by the notebooks and the governor report.

One function per key question of each of the five Excellence for All key
areas. Each takes one school's data (:meth:`gtanalytics.data.SchoolData.for_school`),
the year, the audience and the suppression threshold, and returns a
:class:`Section`: the question, tables already safe for the audience, the
charts drawn from them, the sentences, the evidence the self-evaluation
counts, and what the data cannot answer. Every suppression decision is made
in these functions, through :mod:`gtanalytics.disclosure`, with one
:class:`gtanalytics.disclosure.Ledger` per document (:class:`Document`), so the
same population never shows two counts that differ by a small group.

Examples
--------
>>> from gtanalytics import load_sample, sections
>>> doc = sections.Document(load_sample(), school="8862101")
>>> sec = doc(sections.register_representative)
>>> sec.key_area, sec.audience
(2, 'governors')
"""

from gtanalytics.sections._display import header_markdown, table
from gtanalytics.sections.capacity import (
    partner_schools,
    progress_by_school,
    staff_deployment,
    trust_progress,
)
from gtanalytics.sections.core import (
    SMALLEST_GROUP,
    Document,
    Section,
    Table,
    population,
    smallest_group,
    staff_text,
)
from gtanalytics.sections.data_use import (
    excellence_gaps,
    gaps_closing,
    most_able_progress,
    register_joiners_leavers,
    register_missing,
    register_representative,
)
from gtanalytics.sections.engagement import (
    attendance,
    exclusions,
    mentoring_caseloads,
    mentoring_progress,
    opportunities,
    parents_engaged,
    register_opportunities,
    surveys,
)
from gtanalytics.sections.explore import explore, explore_progress
from gtanalytics.sections.leadership import pupils_in_need, support_for_need
from gtanalytics.sections.learning import (
    interventions_working,
    mini_learning_review,
    staff_caseloads,
    staff_groups,
    termly_programme_review,
)
from gtanalytics.sections.pupils import (
    find_pupil,
    pupil_lookup,
    pupil_profile,
    pupil_targets,
)
from gtanalytics.sections.review import self_evaluation
from gtanalytics.sections.summary import Page, key_area_page, summary
from gtanalytics.sections.trust import (
    SchoolOverview,
    TrustOverview,
    school_overview,
    trust_overview,
    trust_ratings,
)

__all__ = [
    "SMALLEST_GROUP",
    "Document",
    "Page",
    "SchoolOverview",
    "Section",
    "Table",
    "TrustOverview",
    "attendance",
    "excellence_gaps",
    "exclusions",
    "explore",
    "explore_progress",
    "find_pupil",
    "gaps_closing",
    "header_markdown",
    "interventions_working",
    "key_area_page",
    "mentoring_caseloads",
    "mentoring_progress",
    "mini_learning_review",
    "most_able_progress",
    "opportunities",
    "parents_engaged",
    "partner_schools",
    "population",
    "progress_by_school",
    "pupil_lookup",
    "pupil_profile",
    "pupil_targets",
    "pupils_in_need",
    "register_joiners_leavers",
    "register_missing",
    "register_opportunities",
    "register_representative",
    "school_overview",
    "self_evaluation",
    "smallest_group",
    "staff_caseloads",
    "staff_deployment",
    "staff_groups",
    "staff_text",
    "summary",
    "support_for_need",
    "surveys",
    "table",
    "termly_programme_review",
    "trust_overview",
    "trust_progress",
    "trust_ratings",
]
