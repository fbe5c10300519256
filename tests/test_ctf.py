"""The DfE Common Transfer File: reading, writing, a round trip of the sample, hostile and broken XML.

Hand-made files follow the CTF structure as confirmed in gtanalytics/reference/ctf_sources.md
(element names from DfE's own CTF writers and a MIS importer; the specification's section titles):
Header/SourceSchool, CTFpupilData/Pupil with UPN, Surname, Forename, DOB, Sex (Gender up to CTF 24),
BasicDetails (NCyearActual, Ethnicity, Languages/Type/LanguageType+Language), LookedAfter/InCare,
FSMhistory/FSMinstance, SENhistory/SEN, Attendance/YearData and
StageAssessments/KeyStage/StageAssessment (the multiplication tables check as KS2/MAT/TT/MTC).
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import gtanalytics as gt
from gtanalytics import cli
from gtanalytics.data._ctf import CTFUnreadable, ctf_mapping, read_ctf, write_ctf
from gtanalytics.errors import GTDataError
from gtanalytics.data.schemas import TABLES
from gtanalytics.data._upn import make_upn

TODAY = "2024-09-01"
U1, U2, U3, U4 = (make_upn(886, 2101, 17, i) for i in range(1, 5))


def ctf(pupils: str, *, lea="886", estab="2101", year="2023", made="2024-07-10T09:00:00", head_extra="") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>24.0</CTFversion>
    <DateTime>{made}</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SourceSchool>
      <LEA>{lea}</LEA>
      <Estab>{estab}</Estab>
      <SchoolName>Hand Made Primary</SchoolName>
      {f"<AcademicYear>{year}</AcademicYear>" if year else ""}
    </SourceSchool>
    {head_extra}
  </Header>
  <CTFpupilData>
{pupils}
  </CTFpupilData>
</CTfile>
"""


def pupil(upn, *, basic="<NCyearActual>6</NCyearActual>", rest="", sex="<Sex>F</Sex>") -> str:
    return f"""    <Pupil>
      <UPN>{upn}</UPN>
      <Surname>Khan</Surname>
      <Forename>Amira</Forename>
      <DOB>2013-01-05</DOB>
      {sex}
      <BasicDetails>{basic}</BasicDetails>
      {rest}
    </Pupil>"""


def sa(year, subject, method, result, component="", qualifier=""):
    return (f"<StageAssessment><Locale>ENG</Locale><Year>{year}</Year><Subject>{subject}</Subject>"
            f"<Method>{method}</Method>" + (f"<Component>{component}</Component>" if component else "")
            + (f"<ResultQualifier>{qualifier}</ResultQualifier>" if qualifier else "")
            + f"<Result>{result}</Result><ResultDate>{year}-07-09</ResultDate></StageAssessment>")


def write(tmp_path, text, name="school.xml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def lines_of(tmp_path):
    return (tmp_path / "school.xml").read_text(encoding="utf-8").splitlines()


def balanced(data):
    acc = data.accounting
    assert (acc["rows_read"] == acc["rows_used"] + acc["rows_excluded"]).all()


# --------------------------------------------------------------------------- hand-made files
def test_codes_fsm_sen_language_care_from_the_histories(tmp_path):
    basic_1 = """<NCyearActual>R</NCyearActual><Ethnicity>WENG</Ethnicity>
        <Languages><Type><LanguageType>F</LanguageType><Language>URD</Language></Type></Languages>"""
    rest_1 = """<LookedAfter><InCare>true</InCare><CareAuthority>886</CareAuthority></LookedAfter>
        <FSMhistory><FSMinstance><FSMstartDate>2020-09-01</FSMstartDate><FSMendDate>2021-08-31</FSMendDate>
          <UKcountry>ENG</UKcountry></FSMinstance></FSMhistory>
        <SENhistory><SEN><StartDate>2021-09-01</StartDate><EndDate>2023-03-31</EndDate><SENprovision>K</SENprovision></SEN>
          <SEN><StartDate>2023-04-01</StartDate><SENprovision>E</SENprovision></SEN></SENhistory>"""
    basic_2 = """<NCyearActual>3</NCyearActual><Ethnicity>APKN</Ethnicity>
        <Languages><Type><LanguageType>F</LanguageType><Language>ENG</Language></Type></Languages>"""
    rest_2 = """<LookedAfter><InCare>false</InCare></LookedAfter>
        <FSMhistory><FSMreviewDate>2024-06-01</FSMreviewDate>
          <FSMinstance><FSMstartDate>2016-01-01</FSMstartDate><FSMendDate>2017-12-31</FSMendDate></FSMinstance>
          <FSMinstance><FSMstartDate>2024-01-15</FSMstartDate></FSMinstance></FSMhistory>"""
    basic_3 = """<NCyearActual>5</NCyearActual>
        <Languages><Type><LanguageType>F</LanguageType><Language>NOT</Language></Type></Languages>"""
    rest_3 = """<FSMhistory><FSMinstance><FSMstartDate>2015-09-01</FSMstartDate><FSMendDate>2017-07-31</FSMendDate>
        </FSMinstance></FSMhistory>"""
    text = ctf("\n".join([pupil(U1, basic=basic_1, rest=rest_1),
                          pupil(U2, basic=basic_2, rest=rest_2, sex="<Gender>M</Gender>"),
                          pupil(U3, basic=basic_3, rest=rest_3)]))
    data = gt.load(write(tmp_path, text), today=TODAY)
    p = data.pupils.set_index("upn")
    assert p.loc[U1, "year_group"] == 0 and p.loc[U1, "ethnicity"] == "WBRI"      # R; extended code rolled up
    assert p.loc[U2, "sex"] == "M"                                          # CTF 24 and earlier: <Gender>
    # FSM: U1 ended 2021 (Ever 6, not now); U2 now (an open instance); U3 ended 2017 (more than six years ago)
    assert p["fsm"].tolist() == [False, True, False]
    assert p["ever6_fsm"].tolist() == [True, True, False]
    assert p["sen"].tolist() == ["E", "N", "N"]                                      # the current SEN entry
    assert p["eal"].tolist()[:2] == [True, False] and pd.isna(p.loc[U3, "eal"])     # URD, ENG, NOT
    assert p["lac"].tolist() == [True, False, False]
    assert p["disadvantaged"].tolist() == [True, True, False]
    assert (p["academic_year"] == "2023/24").all() and (p["school_id"] == "8862101").all()
    assert not p["gt_register"].any()
    assert data.quality["problem"].str.contains("does not carry the gifted and talented register").any()
    assert data.schools[["school_id", "phase", "country"]].values.tolist() == [["8862101", "primary", "England"]]
    assert data.usable
    balanced(data)


def test_missing_optional_parts_are_not_an_error(tmp_path):
    data = gt.load(write(tmp_path, ctf(pupil(U1))), today=TODAY)
    row = data.pupils.iloc[0]
    assert (row["fsm"], row["ever6_fsm"], row["lac"], row["sen"]) == (False, False, False, "N")
    assert pd.isna(row["eal"]) and pd.isna(row["ethnicity"])
    assert data.attendance.empty and data.assessments.empty
    assert data.usable


def test_two_years_of_attendance_and_a_year_at_two_schools(tmp_path):
    def yd(year, possible, auth, unauth, estab="2101"):
        return (f"<YearData><Year>{year}</Year><LEA>886</LEA><Estab>{estab}</Estab>"
                f"<SessionsPossible>{possible}</SessionsPossible><SessionsAuthorised>{auth}</SessionsAuthorised>"
                f"<SessionsUnauthorised>{unauth}</SessionsUnauthorised></YearData>")

    rest_1 = f"<Attendance>{yd(2022, 380, 10, 2)}{yd(2023, 376, 6, 0)}</Attendance>"
    rest_2 = f"<Attendance>{yd(2023, 200, 4, 1, '2999')}{yd(2023, 170, 3, 0)}</Attendance>"
    data = gt.load(write(tmp_path, ctf(pupil(U1, rest=rest_1) + pupil(U2, rest=rest_2))), today=TODAY)
    a = data.attendance.sort_values(["upn", "academic_year"])
    assert a[["upn", "academic_year", "period", "possible_sessions", "authorised_absence",
              "unauthorised_absence"]].astype(str).values.tolist() == sorted([
        [U1, "2022/23", "Year", "380", "10", "2"], [U1, "2023/24", "Year", "376", "6", "0"],
        [U2, "2023/24", "Year", "370", "7", "1"]])
    q = data.quality
    two = q[q["problem"].str.contains("two Attendance/YearData")]
    assert len(two) == 1 and two["action"].iloc[0] == "repaired" and U2 in two["problem"].iloc[0]
    balanced(data)


def test_absent_and_below_the_test_stay_codes_scaled_scores_are_numbers(tmp_path):
    ks2 = "".join([sa(2024, "MAT", "TT", "104", qualifier="SS"), sa(2024, "ENG", "TT", "A", "RD"),
                   sa(2024, "ENG", "TT", "B", "GPS"), sa(2024, "ENG", "TA", "GDS", "WR"),
                   sa(2024, "MAT", "TA", "EXS"), sa(2024, "SCI", "TA", "HNM")])
    ks2 += sa(2024, "MAT", "TT", "41", "RM")                        # a raw mark beside the scaled score
    ks2 += sa(2022, "MAT", "TT", "21", "MTC", "MT")                 # the multiplication tables check (DfE's writer)
    ks1 = "".join([sa(2020, "ENG", "TA", "PK3", "RD"), sa(2020, "MAT", "TA", "EXS"), sa(2020, "MAT", "TT", "103")])
    eyf = sa(2019, "COM", "TA", "EXP")
    rest = (f"<StageAssessments><KeyStage><Stage>KS1</Stage>{ks1}</KeyStage><KeyStage><Stage>KS2</Stage>{ks2}"
            f"</KeyStage><KeyStage><Stage>EYF</Stage>{eyf}</KeyStage></StageAssessments>")
    data = gt.load(write(tmp_path, ctf(pupil(U1, rest=rest))), today=TODAY)
    a = data.assessments.set_index(["assessment", "subject"]).sort_index()
    assert a.loc[("KS2", "maths"), "score"] == 104 and pd.isna(a.loc[("KS2", "maths"), "result"])
    for subject, code in (("reading", "A"), ("gps", "B")):
        r = a.loc[("KS2", subject)]
        assert r["result"] == code and pd.isna(r["score"]) and r["score_type"] == "ks2_scaled"
    assert a.loc[("KS2", "writing"), ["score_type", "result", "score"]].tolist() == ["ks2_ta", "GDS", 113.0]
    assert a.loc[("KS2 TA", "maths"), "result"] == "EXS"            # TA beside the test: its own assessment
    assert a.loc[("KS2 TA", "science"), "result"] == "HNM"
    assert a.loc[("KS1", "reading"), ["score_type", "result", "score"]].tolist() == ["ks1_outcome", "PK3", 3.5]
    mtc = a.loc[("MTC", "multiplication")]
    assert [mtc["score_type"], mtc["score"], mtc["academic_year"]] == ["raw", 21, "2021/22"] and pd.isna(mtc["result"])
    assert a.loc[("KS2", "maths"), "score"] == 104                   # the check is not a maths scaled score
    assert set(data.assessments["academic_year"]) == {"2019/20", "2021/22", "2023/24"}
    assert (data.assessments["term"] == "Summer").all()
    assert len(data.assessments) == 9                # EYF, the KS1 test score and the raw mark are counted, not read
    note = data.quality.loc[data.quality["problem"].str.contains("Not read:"), "problem"].iloc[0]
    assert "1 EYF result" in note and "1 KS1 test scaled score" in note and "1 extra result" in note
    assert data.usable
    balanced(data)
    raw = read_ctf(tmp_path / "school.xml").stage_assessments
    assert raw.loc[raw["result"] == "104", "result_qualifier"].tolist() == ["SS"]   # the qualifier as written
    assert len(raw) == 12


def test_every_pupil_used_repaired_or_excluded_with_a_reason(tmp_path):
    bad_upn = U3[:-1] + ("A" if U3[-1] != "A" else "B")
    bad_fsm = "<FSMhistory><FSMinstance><FSMstartDate>31/02/2020</FSMstartDate></FSMinstance></FSMhistory>"
    pupils = [pupil(U1), pupil(U2, basic="<NCyearActual>N2</NCyearActual>"), pupil(bad_upn),
              pupil(U4, basic="<NCyearActual>4</NCyearActual>", rest=bad_fsm), pupil("", sex="")]
    data = gt.load(write(tmp_path, ctf("\n".join(pupils))), today=TODAY)
    acc = data.accounting.set_index("file")
    assert acc.loc["school.xml [pupils]", ["rows_read", "rows_used", "rows_repaired", "rows_excluded"]].tolist() \
        == [5, 2, 1, 3]
    balanced(data)
    q = data.quality[data.quality["file"] == "school.xml [pupils]"]
    assert set(data.pupils["upn"]) == {U1, U4}
    fsm = q[q["problem"].str.contains("FSMstartDate")]
    assert U4 in fsm["problem"].iloc[0] and fsm["value"].iloc[0] == "31/02/2020"
    assert "FSMhistory/FSMinstance/FSMstartDate (line" in fsm["problem"].iloc[0]
    assert lines_of(tmp_path)[int(fsm["row"].iloc[0]) - 1].strip() == "<Pupil>"   # the pupil's row: repaired
    lines = lines_of(tmp_path)
    assert f"(pupil {U2}, element Pupil/BasicDetails/NCyearActual)" in " ".join(q["problem"])
    for col, value in (("year_group", "N2"), ("upn", bad_upn), ("sex", None)):
        r = q[(q["column"] == col) & (q["action"] == "excluded")]
        r = r[r["value"] == value] if value else r
        assert len(r) == 1, (col, q)
        assert "(pupil " in r["problem"].iloc[0]                              # names the pupil's UPN
        assert lines[int(r["row"].iloc[0]) - 1].strip() == "<Pupil>"          # row = line of the <Pupil>


def test_welsh_file_reads_additional_learning_needs(tmp_path):
    rest = "<SENhistory><SEN><StartDate>2022-09-01</StartDate><SENprovision>P</SENprovision></SEN></SENhistory>"
    basic = "<NCyearActual>2</NCyearActual>"
    data = gt.load(write(tmp_path, ctf(pupil(U1, basic=basic, rest=rest), lea="681", estab="2001")), today=TODAY)
    assert data.pupils["sen"].tolist() == ["A"]
    assert data.schools["country"].tolist() == ["Wales"] and data.pupils["school_id"].tolist() == ["6812001"]


def test_year_from_the_date_when_the_header_has_no_academic_year(tmp_path):
    data = gt.load(write(tmp_path, ctf(pupil(U1), year="", made="2024-09-20T10:00:00")), today="2024-10-01")
    assert data.pupils["academic_year"].tolist() == ["2024/25"]


def test_folder_mixing_ctf_and_csv(tmp_path):
    write(tmp_path, ctf(pupil(U1) + pupil(U2)), "transfer.xml")
    (tmp_path / "interventions.csv").write_text(
        f"programme,upn,staff,start_date,end_date\nCatch-up,{U1},LSA-1,2024-01-08,2024-03-22\n", encoding="utf-8")
    data = gt.load(tmp_path, today=TODAY)
    assert len(data.pupils) == 2 and len(data.interventions) == 1
    assert set(data.accounting["file"]) >= {"transfer.xml [pupils]", "interventions.csv"}
    balanced(data)


def test_g_and_t_register_from_a_pupils_file_joins_the_ctf_pupils(tmp_path):
    write(tmp_path, ctf(pupil(U1) + pupil(U2)), "transfer.xml")
    (tmp_path / "gt_register.csv").write_text(
        "UPN,Academic year,School,Year,Gender,G&T,G&T area,PLAC\n"
        f"{U1},2023/24,8862101,6,M,Y,maths,Y\n{U3},2023/24,8862101,6,F,Y,music,N\n", encoding="utf-8")
    (tmp_path / "schools.csv").write_text("school_id,school_name,phase\n8862101,Hand Made,all-through\n",
                                          encoding="utf-8")
    data = gt.load(tmp_path, today=TODAY)
    p = data.pupils.set_index("upn").sort_index()
    assert sorted(p.index) == sorted([U1, U2, U3])
    assert p.loc[U1, ["gt_register", "gt_area", "plac", "disadvantaged", "sex"]].tolist() == [True, "maths", True,
                                                                                             True, "F"]
    assert p.loc[U2, "gt_register"] == False and p.loc[U3, "gt_area"] == "music"
    q = data.quality
    sex = q[(q["column"] == "sex") & (q["file"] == "gt_register.csv")]
    assert sex["severity"].tolist() == ["warning"] and "the CTF's value was used" in sex["problem"].iloc[0]
    assert data.schools[["school_id", "phase"]].values.tolist() == [["8862101", "all-through"]]
    assert q.loc[q["file"] == "transfer.xml [schools]", "action"].tolist()[-1] == "excluded"
    acc = data.accounting.set_index("file")
    assert acc.loc["gt_register.csv", ["rows_read", "rows_used", "rows_excluded"]].tolist() == [2, 2, 0]
    assert data.usable
    balanced(data)


def test_attendance_by_term_from_a_file_is_not_counted_twice(tmp_path):
    rest = ("<Attendance><YearData><Year>2023</Year><SessionsPossible>376</SessionsPossible><SessionsAuthorised>6"
            "</SessionsAuthorised><SessionsUnauthorised>0</SessionsUnauthorised></YearData><YearData><Year>2022</Year>"
            "<SessionsPossible>380</SessionsPossible><SessionsAuthorised>1</SessionsAuthorised><SessionsUnauthorised>0"
            "</SessionsUnauthorised></YearData></Attendance>")
    write(tmp_path, ctf(pupil(U1, rest=rest)), "transfer.xml")
    (tmp_path / "attendance.csv").write_text(
        "upn,academic_year,period,possible_sessions,authorised_absence,unauthorised_absence\n"
        f"{U1},2023/24,Autumn,140,4,0\n{U1},2023/24,Spring,120,2,0\n{U1},2023/24,Summer,116,0,0\n",
        encoding="utf-8")
    data = gt.load(tmp_path, today=TODAY)
    a = data.attendance
    assert sorted(a["period"]) == ["Autumn", "Spring", "Summer", "Year"]
    assert a.loc[a["period"] == "Year", "academic_year"].tolist() == ["2022/23"]   # the CTF's other year is kept
    acc = data.accounting.set_index("file")
    assert acc.loc["transfer.xml [attendance]", ["rows_read", "rows_used", "rows_excluded"]].tolist() == [2, 1, 1]
    assert data.usable
    balanced(data)


def test_windows_1252_and_an_empty_ctf(tmp_path):
    text = ctf(pupil(U1).replace("Amira", "Zoë")).replace('encoding="UTF-8"', 'encoding="windows-1252"')
    (tmp_path / "w.xml").write_bytes(text.encode("cp1252"))
    assert gt.load(tmp_path / "w.xml", today=TODAY).pupils["forename"].tolist() == ["Zoë"]
    write(tmp_path, ctf(""), "empty.xml")
    data = gt.load(tmp_path, today=TODAY)
    q = data.quality[data.quality["file"] == "empty.xml"]
    assert "holds no pupils" in q["problem"].iloc[-1]
    assert "empty.xml" in set(data.accounting["file"])
    balanced(data)


# --------------------------------------------------------------------------- hostile and broken files
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE CTfile [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CTfile><Header><DocumentName>&lol9;</DocumentName></Header></CTfile>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE CTfile [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<CTfile><Header><DocumentName>&xxe;</DocumentName></Header></CTfile>
"""
PARAMETER = """<?xml version="1.0"?>
<!DOCTYPE CTfile SYSTEM "http://example.invalid/ctf.dtd">
<CTfile/>
"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL, PARAMETER], ids=["billion-laughs", "external", "dtd"])
def test_hostile_xml_is_refused_quickly_with_a_plain_message(tmp_path, text):
    write(tmp_path, text, "evil.xml")
    write(tmp_path, ctf(pupil(U1)), "good.xml")
    t0 = time.perf_counter()
    data = gt.load(tmp_path, today=TODAY)
    assert time.perf_counter() - t0 < 5
    q = data.quality[data.quality["file"] == "evil.xml"]
    assert q["action"].tolist() == ["file skipped"] and q["severity"].tolist() == ["error"]
    assert "DOCTYPE" in q["problem"].iloc[0] and "Export the CTF again" in q["problem"].iloc[0]
    assert "root:" not in q["problem"].iloc[0]            # nothing of /etc/passwd was read
    assert len(data.pupils) == 1                           # the good file is still used
    balanced(data)


def test_truncated_file_names_the_place_and_the_pupils_seen(tmp_path):
    full = ctf("\n".join(pupil(u) for u in (U1, U2, U3)))
    cut = full[:full.index(f"<UPN>{U3}</UPN>") + 30]
    write(tmp_path, cut, "cut.xml")
    with pytest.raises(GTDataError, match="cut short") as err:
        gt.load(tmp_path / "cut.xml", today=TODAY)
    assert f"UPN {U3}" in str(err.value) and "3 pupil(s)" in str(err.value)
    write(tmp_path, ctf(pupil(U4)), "good.xml")
    data = gt.load(tmp_path, today=TODAY)
    acc = data.accounting.set_index("file")
    assert acc.loc["cut.xml", ["rows_read", "rows_used", "rows_excluded"]].tolist() == [3, 0, 3]
    balanced(data)


@pytest.mark.parametrize("text, words", [
    ("<CTfile><Header></CTfile>", "not well-formed"),
    ("<CTfile><Header><DocumentName>&nbsp;</DocumentName></Header></CTfile>", "undefined entity"),
    ("", "cut short"),
])
def test_malformed_xml(tmp_path, text, words):
    p = write(tmp_path, text, "bad.xml")
    with pytest.raises(CTFUnreadable, match=words):
        read_ctf(p)


def test_xml_that_is_not_a_ctf_is_skipped_with_a_warning(tmp_path):
    write(tmp_path, "<?xml version='1.0'?><Report><Row/></Report>", "report.xml")
    write(tmp_path, ctf(pupil(U1)), "good.xml")
    data = gt.load(tmp_path, today=TODAY)
    q = data.quality[data.quality["file"] == "report.xml"]
    assert q["severity"].tolist() == ["warning"] and "not a Common Transfer File" in q["problem"].iloc[0]
    assert data.usable


def test_cli_validate_a_single_ctf_and_a_hostile_one(tmp_path, capsys):
    good = write(tmp_path, ctf(pupil(U1)), "good.xml")
    evil = write(tmp_path, EXTERNAL, "evil.xml")
    assert cli.main(["validate", str(good), "--today", TODAY]) == 0
    assert "good.xml [pupils] (pupils): read 1, used 1" in capsys.readouterr().out
    assert cli.main(["validate", str(evil), "--today", TODAY]) == 1
    out = capsys.readouterr()
    assert "DOCTYPE" in out.out + out.err and "Traceback" not in out.out + out.err


def test_cli_validate_a_ctf_as_a_user_would(tmp_path):
    path = write(tmp_path, ctf(pupil(U1)[:-20]), "cut.xml")        # a damaged file, in a separate process
    proc = subprocess.run([sys.executable, "-m", "gtanalytics.cli", "validate", str(path), "--today", TODAY],
                          capture_output=True, text=True, timeout=120, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "not well-formed" in out and "Traceback" not in out, out


# --------------------------------------------------------------------------- writer and round trip
@pytest.fixture(scope="module")
def sample_ctfs(sample, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ctf")
    return {s: write_ctf(sample, folder / f"{s}.xml", school_id=s) for s in ("8862101", "8884101", "8894101")}


@pytest.mark.parametrize("school", ["8862101", "8894101"])
def test_round_trip_sample_school(sample, sample_ctfs, school):
    data = gt.load(sample_ctfs[school], today=TODAY)
    assert data.usable
    balanced(data)
    year = "2023/24"
    want = sample.pupils[(sample.pupils["school_id"] == school) & (sample.pupils["academic_year"] == year)]
    want, got = want.set_index("upn").sort_index(), data.pupils.set_index("upn").sort_index()
    assert want.index.equals(got.index)
    same = ["academic_year", "school_id", "year_group", "forename", "surname", "date_of_birth", "sex", "fsm",
            "ever6_fsm", "lac", "sen", "eal", "ethnicity"]
    pd.testing.assert_frame_equal(got[same], want[same], check_dtype=False)
    plac = want["plac"].fillna(False).astype(bool)                # the CTF carries no previously-looked-after flag
    assert (got.loc[~plac, "disadvantaged"] == want.loc[~plac, "disadvantaged"]).all()
    # attendance: each year the pupils were on this school's roll, terms added up
    roll = sample.pupils[(sample.pupils["school_id"] == school) & sample.pupils["upn"].isin(want.index)]
    att = sample.attendance.merge(roll[["upn", "academic_year"]])
    att = att.groupby(["upn", "academic_year"])[["possible_sessions", "authorised_absence",
                                                  "unauthorised_absence"]].sum().sort_index()
    mine = data.attendance.set_index(["upn", "academic_year"]).sort_index()[att.columns]
    pd.testing.assert_frame_equal(mine, att, check_dtype=False)
    # KS1 and KS2 results: the same subjects, years, score types, scores and codes
    cols = ["upn", "academic_year", "subject", "assessment", "score_type", "score", "result", "date"]
    ks = sample.assessments[sample.assessments["upn"].isin(want.index)
                            & sample.assessments["score_type"].isin(["ks1_outcome", "ks2_scaled", "ks2_ta"])]
    key = ["upn", "academic_year", "subject", "assessment"]
    pd.testing.assert_frame_equal(data.assessments[cols].sort_values(key).reset_index(drop=True),
                                  ks[cols].sort_values(key).reset_index(drop=True), check_dtype=False)
    assert data.assessments["result"].isin(["N"]).sum() == ks["result"].isin(["N"]).sum()   # codes stay codes


def test_every_mapped_column_exists_and_is_filled_by_the_sample_ctf(sample_ctfs):
    m = ctf_mapping()
    assert {"xml_path", "table", "column", "rule", "code_list", "versions", "status", "source"} <= set(m.columns)
    assert set(m["status"]) <= {"CONFIRMED", "SECONDARY", "UNCONFIRMED"}
    assert (m.loc[m["status"] != "UNCONFIRMED", "source"] != "").all()                       # each row cites
    mapped = m[(m["table"] != "") & (m["column"] != "")]
    for r in mapped.itertuples():
        assert r.column in {c.name for c in TABLES[r.table].columns}, r
    read = read_ctf(sample_ctfs["8884101"])
    for r in mapped[mapped["rule"] != "not_in_ctf"].itertuples():
        col = read.tables[r.table][r.column]
        assert col.notna().any(), r.xml_path


def test_ctf_beside_the_full_sample_adds_nothing_twice(sample, sample_dir, sample_ctfs, tmp_path):
    import shutil

    for f in sample_dir.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    shutil.copy(sample_ctfs["8862101"], tmp_path / "oakfield.xml")
    data = gt.load(tmp_path)
    for name in ("pupils", "attendance", "assessments", "schools"):
        assert len(getattr(data, name)) == len(getattr(sample, name)), name
    pd.testing.assert_frame_equal(data.pupils.sort_values(["upn", "academic_year"]).reset_index(drop=True),
                                  sample.pupils.sort_values(["upn", "academic_year"]).reset_index(drop=True))
    q = data.quality[data.quality["file"].str.startswith("oakfield.xml")]
    assert not (q["severity"] == "error").any()
    balanced(data)


def test_write_ctf_rejects_an_unknown_school(sample, tmp_path):
    with pytest.raises(GTDataError, match="No pupils of school"):
        write_ctf(sample, tmp_path / "x.xml", school_id="9999999")


def test_written_ctf_is_plain_xml_with_no_doctype(sample_ctfs):
    text = sample_ctfs["8862101"].read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<CTfile>') and "<!DOCTYPE" not in text
    assert np.all([t in text for t in ("<FSMhistory>", "<SENhistory>", "<YearData>", "<StageAssessment>")])
