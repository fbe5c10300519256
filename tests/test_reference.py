"""Tests for the national benchmark tables and their loader (gtanalytics.reference).

Independent references: the published figures themselves, read from the DfE releases cited in
each row's ``source`` (e.g. https://explore-education-statistics.service.gov.uk/find-statistics/
pupil-absence-in-schools-in-england/2023-24: "overall absence ... decreased in primary schools from
5.9% to 5.5%, decreased in secondary schools from 9.0% to 8.9%").
"""

from __future__ import annotations

import pandas as pd
import pytest

from gtanalytics.errors import GTDataError
from gtanalytics.reference import (
    BENCHMARK_TABLES,
    COMPARABLE_STATUS,
    academic_year,
    national,
    national_benchmarks,
    national_group,
    reference_metadata,
)


def test_every_benchmark_has_a_source_a_status_and_a_known_phase_and_group():
    t = national_benchmarks()
    assert set(t["table"]) == set(BENCHMARK_TABLES)
    assert t["source"].str.startswith("https://").all()
    assert set(t["status"]) <= {"CONFIRMED", "SECONDARY", "UNCONFIRMED"}
    assert set(t["phase"]) <= {"all", "primary", "secondary"}
    assert set(t["group"]) <= {"all", "fsm", "not_fsm", "disadvantaged", "not_disadvantaged"}
    assert not t.duplicated(["measure", "academic_year", "phase", "group"]).any()
    for name in BENCHMARK_TABLES:
        meta = reference_metadata(name)
        assert {"title", "source", "status", "version"} <= set(meta)


@pytest.mark.parametrize("measure, year, phase, group, value", [
    ("overall_absence", "2023/24", "all", "all", 7.1),            # EES absence 2023/24 release text
    ("overall_absence", "2023/24", "primary", "all", 5.5),
    ("overall_absence", "2022/23", "secondary", "all", 9.0),
    ("persistent_absence", "2021/22", "all", "fsm", 37.2),         # press report of DfE 2021/22
    ("suspension_rate", "2023/24", "all", "all", 11.31),           # EES exclusions 2023/24 release text
    ("suspension_rate", "2023/24", "primary", "all", 2.27093),     # EES data set 39e3d41f...
    ("ks2_rwm_expected", 2024, "all", "all", 61),                  # EES KS2 2023/24
    ("ks2_rwm_expected", 2024, "primary", "disadvantaged", 46),    # phase implied by the key stage
    ("ks2_rwm_higher", 2023, "all", "all", 8),                     # EES KS2 2022/23 release text
    ("ks4_progress8", "2022/23", "secondary", "all", -0.03),       # EES KS4 permalink af178607...
    ("ks4_english_maths_4plus", 2023, "all", "disadvantaged", 43.1),
])
def test_published_figures(measure, year, phase, group, value):
    fig = national(measure, year=year, phase=phase, group=group)
    assert fig is not None and fig.value == pytest.approx(value)
    assert fig.status in COMPARABLE_STATUS and fig.source.startswith("https://")


RISE_ABSENCE = "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/e021823d-0141-4f84-8c2d-e4160679f8e8"
KS4_TABLE = "https://explore-education-statistics.service.gov.uk/data-tables/permalink/af178607-099c-4aa0-a00a-08dbd1466a44"
SMC_16 = ("https://social-mobility.data.gov.uk/intermediate_outcomes/compulsory_school_age_(5_to_16_years)/"
          "attainment_at_age_16")
ST_JUDE = "https://www.stjudestpauls.co.uk/page/?title=Attainment+Results&pid=39"


@pytest.mark.parametrize("measure, year, phase, group, value, status, source", [
    # DfE data set 'Absence_202324' (RISE schools): all state-funded mainstream primaries, 2023/24
    ("persistent_absence", "2023/24", "primary", "all", 14.55841, "CONFIRMED", RISE_ABSENCE),
    # DfE KS4 'National characteristics data' table, all state-funded, 2021/22 column
    ("ks4_attainment8", "2021/22", "all", "all", 48.8, "CONFIRMED", KS4_TABLE),
    ("ks4_progress8", "2021/22", "all", "all", -0.03, "CONFIRMED", KS4_TABLE),
    ("ks4_english_maths_4plus", "2021/22", "all", "all", 68.8, "CONFIRMED", KS4_TABLE),
    ("ks4_english_maths_5plus", "2021/22", "all", "all", 49.8, "CONFIRMED", KS4_TABLE),
    # Social Mobility Commission table of DfE grade 5+ figures by disadvantage
    ("ks4_english_maths_5plus", "2021/22", "all", "disadvantaged", 29.7, "SECONDARY", SMC_16),
    ("ks4_english_maths_5plus", "2021/22", "all", "not_disadvantaged", 57.2, "SECONDARY", SMC_16),
    ("ks4_english_maths_5plus", "2022/23", "all", "disadvantaged", 25.4, "SECONDARY", SMC_16),
    ("ks4_english_maths_5plus", "2022/23", "all", "not_disadvantaged", 52.6, "SECONDARY", SMC_16),
    # school page quoting the 2022 national average scaled scores
    ("ks2_reading_scaled_score", "2021/22", "all", "all", 105, "SECONDARY", ST_JUDE),
    ("ks2_maths_scaled_score", "2021/22", "all", "all", 104, "SECONDARY", ST_JUDE),
])
def test_added_figures_and_their_sources(measure, year, phase, group, value, status, source):
    """Issue 15 (i15c): each figure added is pinned with the address it was read from."""
    fig = national(measure, year=year, phase=phase, group=group)
    assert fig is not None and fig.value == pytest.approx(value)
    assert fig.status == status and fig.source == source


def test_every_comparable_figure_has_an_https_source_and_a_dfe_source_when_confirmed():
    """A figure used for a comparison names where it was read; CONFIRMED ones are DfE's own pages."""
    t = national_benchmarks()
    usable = t[t["status"] != "UNCONFIRMED"]
    assert not usable.empty
    assert usable["source"].str.match(r"https://\S+$").all(), usable.loc[~usable["source"].str.startswith("https://")]
    confirmed = usable[usable["status"] == "CONFIRMED"]
    assert confirmed["source"].str.startswith("https://explore-education-statistics.service.gov.uk/").all()


def test_disagreeing_sources_are_said_in_the_note():
    """Where a secondary source's all-pupil figure differs from DfE's, DfE's is shipped and the note says so."""
    fig = national("ks4_english_maths_5plus", year="2021/22")
    assert fig.value == 49.8 and "50.0" in fig.note
    assert "45.5" in national("ks4_english_maths_5plus", year="2022/23", group="disadvantaged").note
    assert national("ks2_rwm_higher", year="2023/24") is None   # school pages say 7% and 8%: left out


def test_no_figure_means_no_comparison():
    # not found for that phase or group: never replaced by another figure
    assert national("overall_absence", year="2023/24", group="fsm") is None
    assert national("suspension_rate", year="2023/24", phase="secondary") is None
    assert national("ks4_attainment8", year="2023/24", group="disadvantaged") is None
    # UNCONFIRMED rows are listed but never returned (2018/19 overall absence)
    listed = national_benchmarks("overall_absence", year="2018/19")
    assert listed["status"].tolist() == ["UNCONFIRMED"]
    assert national("overall_absence", year="2018/19") is None
    with pytest.raises(GTDataError, match="phase"):
        national("overall_absence", year="2023/24", phase="special")


def test_years_groups_and_own_tables():
    assert academic_year(2024) == academic_year("2023-24") == academic_year("2023/24") == "2023/24"
    with pytest.raises(GTDataError, match="academic year"):
        academic_year("2023/25")
    assert national_group("fsm", True) == "fsm" and national_group("disadvantaged", "N") == "not_disadvantaged"
    assert national_group("sen", "K") is None and national_group("fsm", None) is None
    mine = pd.DataFrame({"academic_year": [2024], "measure": ["overall_absence"], "value": [6.2]})
    fig = national("overall_absence", year="2023/24", table=mine)
    assert fig.value == 6.2 and fig.source == "user-supplied"
    assert "England 2023/24, primary schools, all pupils" in national("overall_absence", year=2024,
                                                                        phase="primary").basis


def test_headlines_for_a_governor_report():
    """Page-1 figures: each found value is the one national() returns; missing ones say so."""
    from gtanalytics.reference import national_headlines

    h = national_headlines("2023/24", phase="secondary").set_index(["measure", "group"])
    assert len(h) == 4 * 3 + 2 * 3
    assert h.loc[("ks4_progress8", "disadvantaged"), "value"] == -0.57       # EEF press release of the DfE data
    assert h.loc[("ks4_progress8", "not_disadvantaged"), "value"] == 0.16
    assert h.loc[("overall_absence", "all"), "value"] == 8.9                 # secondary phase, not 7.1
    missing = h.loc[("ks4_attainment8", "disadvantaged")]
    assert pd.isna(missing["value"]) and missing["basis"].startswith("no published national figure")
    with pytest.raises(GTDataError, match="phase"):
        national_headlines(2024, phase="all")
