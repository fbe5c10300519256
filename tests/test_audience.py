"""A list of pupils never reaches governors: the library's gate (gtanalytics.disclosure.check_audience).

A frame that lists individual pupils is marked ``attrs["audience"] = "internal"`` by the function that
makes it; the gate refuses it, and any frame with a column or header naming or identifying a pupil, at
every door to governor output: ``for_audience``, ``hide_near_totals``, a governor ``Section`` (tables and
frames) and a governor ``Document`` (no section made for leaders). Leaders may see all of them. The
built report is checked again for names, UPNs and dates of birth (tests/test_privacy.py); this is the
earlier gate, in the library.
"""
import warnings

import pandas as pd
import pytest

from gtanalytics import disclosure, sections
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.interventions import mini_review
from gtanalytics.progress import summer_progress, value_added
from gtanalytics.register import dual_exceptionality, missing_from_register, register_changes
from gtanalytics.sections.pupils import under_achiever_evidence
from gtanalytics.targets import under_achievers

YEAR = "2023/24"
REFUSED = r"lists individual pupils.* is for senior leaders only; it cannot be shown to governors\.$"


def _pupil_list():
    out = pd.DataFrame({"upn": ["A123", "B456", "C789"], "group": ["x", "x", "y"], "n": [1, 1, 1],
                        "gain": [4.0, -1.0, 2.5]})
    out.attrs["audience"] = "internal"
    return out


def test_a_marked_frame_is_refused_for_governors_and_shown_to_leaders():
    marked = _pupil_list().drop(columns="upn")  # the marker alone is enough
    assert marked.attrs["audience"] == "internal"
    with pytest.raises(GTDataError, match=r"^The mini learning review lists individual pupils and is for senior "
                                          r"leaders only; it cannot be shown to governors\.$"):
        disclosure.check_audience(marked, audience="governors", what="The mini learning review")
    disclosure.check_audience(marked, audience="leaders")
    with pytest.raises(GTDataError, match="audience must be one of"):
        disclosure.check_audience(marked, audience="parents")


@pytest.mark.parametrize("frame, headers, named", [
    (pd.DataFrame({"upn": ["A123"], "n": [10]}), (), "upn"),
    (pd.DataFrame({"Pupil": ["Grace White"], "n": [10]}), (), "pupil"),
    (pd.DataFrame({"when": ["2016-11-29"], "n": [10]}), ("Date of birth", "Pupils"), "date_of_birth"),
    (pd.DataFrame({"n": [10]}, index=pd.Index(["A123"], name="UPN")), (), "upn"),
    (pd.DataFrame({"legal-surname": ["White"], "n": [10]}), (), "legal_surname"),
])
def test_a_column_or_header_that_identifies_a_pupil_is_refused_for_governors(frame, headers, named):
    with pytest.raises(GTDataError, match=rf"\({named}\) and is for senior leaders only"):
        disclosure.check_audience(frame, audience="governors", headers=headers)
    disclosure.check_audience(frame, audience="leaders", headers=headers)


def test_the_personal_columns_are_the_data_contracts():
    from gtanalytics.data.schemas import TABLES

    personal = {c.name for spec in TABLES.values() for c in spec.columns if c.personal}
    assert {"upn", "forename", "surname", "date_of_birth"} <= personal <= disclosure.PERSONAL_COLUMNS
    assert not {"pupils", "n_pupils", "pupil_premium", "school_name", "programme"} & disclosure.PERSONAL_COLUMNS


def test_pandas_operations_that_drop_the_marker_do_not_launder_a_pupil_list():
    """merge, join and concat drop ``attrs`` (pandas 3) but keep the names and UPNs, which are refused; a count by
    group may keep the marker (pandas keeps ``attrs`` through some aggregations) and is refused until its maker
    clears it, deliberately."""
    lst = _pupil_list()
    extra = pd.DataFrame({"upn": ["A123", "B456", "C789"], "surname": ["White", "Khan", "Ng"]})
    for laundered in (lst.merge(extra, on="upn"), extra.join(lst.set_index("upn"), on="upn"),
                      pd.concat([lst, extra])):
        assert "audience" not in laundered.attrs
        with pytest.raises(GTDataError, match=REFUSED):
            disclosure.check_audience(laundered, audience="governors")
    for kept in (lst[lst["gain"] > 0], lst[["group", "gain"]], lst.assign(x=1), lst.rename(columns={"upn": "id"}),
                 lst.sort_values("gain"), lst.copy()):
        assert kept.attrs["audience"] == "internal"
        with pytest.raises(GTDataError, match=REFUSED):
            disclosure.check_audience(kept, audience="governors")
    counts = lst.groupby("group", as_index=False).agg(n=("n", "sum"), gain=("gain", "mean"))
    assert counts.attrs["audience"] == "internal"
    with pytest.raises(GTDataError, match=REFUSED):
        disclosure.for_audience(counts, count_cols="n", audience="governors")
    del counts.attrs["audience"]  # counts by group list no pupil: governors may see them, suppressed
    shown = disclosure.for_audience(counts, count_cols="n", audience="governors")
    assert shown["gain"].isna().all()  # groups of 2 and 1 pupils: hidden


def test_for_audience_and_hide_near_totals_refuse_a_pupil_list_for_governors():
    lst = _pupil_list()
    with pytest.raises(GTDataError, match=r"^The result given to for_audience\(\) lists individual pupils \(upn\)"):
        disclosure.for_audience(lst, count_cols="n", audience="governors")
    with pytest.raises(GTDataError, match=REFUSED):
        disclosure.for_audience(lst.drop(columns="upn"), count_cols="n", audience="governors", block_col="group")
    with pytest.raises(GTDataError, match=REFUSED):
        disclosure.hide_near_totals(lst, count_col="n", key_col="group", totals={"x": 3}, audience="governors")
    with pytest.raises(GTDataError, match=REFUSED):
        disclosure.programmes_for_audience(lst.rename(columns={"group": "programme"}), pd.DataFrame(),
                                           academic_year=YEAR, count_cols="n", audience="governors")
    pd.testing.assert_frame_equal(disclosure.for_audience(lst, count_cols="n", audience="leaders"), lst)
    pd.testing.assert_frame_equal(disclosure.hide_near_totals(lst, count_col="n", key_col="group", totals={"x": 3},
                                                              audience="leaders"), lst)


def test_a_governor_section_refuses_a_pupil_list_in_a_table_or_its_frames():
    lst = _pupil_list().drop(columns="upn")
    with pytest.raises(GTDataError, match=r"^The table 'Each pupil' of 'Mini review' lists individual pupils and"):
        sections.Section(3, "q", "Mini review", "governors", tables=(sections.Table("Each pupil", lst),))
    with pytest.raises(GTDataError, match=r"^The interventions results of 'Mini review' lists individual pupils"):
        sections.Section(3, "q", "Mini review", "governors", frames={"interventions": lst})
    safe = pd.DataFrame({"name": ["Reading Recovery"], "n": [12]})  # a programme's name is not a pupil's
    with pytest.raises(GTDataError, match=r"\(pupil\) and is for senior leaders only"):  # shown under a header
        sections.Section(3, "q", "t", "governors", tables=(sections.Table("", safe, columns={"name": "Pupil"}),))
    sections.Section(3, "q", "t", "governors", tables=(sections.Table("", safe, columns={"name": "Programme"}),))
    leaders = sections.Section(3, "q", "Mini review", "leaders", tables=(sections.Table("Each pupil", lst),),
                               frames={"interventions": lst})
    assert leaders.tables[0].frame is lst


def test_a_governor_document_refuses_a_section_made_for_leaders(sample):
    doc = sections.Document(sample, school="8862101", audience="governors")
    with pytest.raises(GTDataError, match=r"^'Which able pupils are under-achieving\?' was made for leaders: it may "
                                          r"list individual pupils and is for senior leaders only"):
        doc(sections.pupils_in_need, audience="leaders")
    assert doc.sections == []
    governors = doc(sections.pupils_in_need)  # asked for governors, it says the list is for leaders
    assert governors.tables == () and governors.cannot_answer and doc.sections == [governors]
    leaders = sections.Document(sample, school="8862101", audience="leaders")
    assert any("upn" in t.frame.columns for t in leaders(sections.pupils_in_need).tables)


def test_every_pupil_list_the_library_makes_is_marked_and_refused_for_governors(sample):
    data = sample.for_school("8884101")
    pupils, tests = data.pupils, data.assessments
    latest = pupils[pupils["academic_year"] == YEAR]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        va = value_added(summer_progress(data, subject="maths", year=YEAR), outcome="outcome", prior="prior")
        lists = {
            "dual_exceptionality": dual_exceptionality(latest).pupils,
            "missing_from_register": missing_from_register(latest, tests[tests["score_type"] == "standardised"],
                                                           academic_year=YEAR).pupils,
            "register_changes": register_changes(pupils, from_year="2022/23", to_year=YEAR).pupils,
            "under_achievers": under_achievers(va, high_prior="standardised"),
            "under_achiever_evidence": under_achiever_evidence(data, year=YEAR),
            "mini_review": mini_review(data.interventions, staff="LSA-16", half_term="Spr1", academic_year=YEAR,
                                       pupils=pupils, comparison=None).pupils,
        }
    for name, frame in lists.items():
        assert frame.attrs.get("audience") == "internal", name
        assert "internal" not in frame.attrs, name  # one marker
        with pytest.raises(GTDataError, match=REFUSED):
            disclosure.for_audience(frame, count_cols=[], audience="governors")
        disclosure.for_audience(frame, count_cols=[], audience="leaders")
