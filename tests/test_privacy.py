"""Privacy of governor output: check_report_privacy (HTML and PDF) and block-wise suppression.

check_report_privacy is tested against a small hand-made pupils table (independent of the sample), so every
planted UPN, name, date of birth, small count, code cell and external script is known in advance.
Block-wise suppression (gtanalytics.disclosure.for_audience with block_col) is checked by an independent
audit written here (what a reader knowing each block's total cannot see must add up to 0 or at
least the threshold) and by gtanalytics.disclosure.check_disclosure.
"""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from gtanalytics.disclosure._privacy import check_report_privacy

THRESHOLD = 6


def pdf_text_missing() -> bool:
    if shutil.which("pdftotext"):
        return False
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return True
    return False


@pytest.fixture(scope="module")
def data():
    pupils = pd.DataFrame({
        "upn": ["A123456789012", "B123456789013", "C123456789014"],
        "forename": ["Amelia", "Oluwaseun", "Zofia"],
        "surname": ["Hartley-Jones", "Adeyemi", "Kowalczyk"],
        "date_of_birth": pd.to_datetime(["2013-02-14", "2012-11-03", "2013-06-30"]),
    })
    return SimpleNamespace(pupils=pupils)


def test_finds_planted_leaks(data, tmp_path):
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        "<html><body><p>Well done Amelia Hartley-Jones!</p>"
        "<img alt='B123456789013' src='data:image/png;base64,AA'>"
        "<p>Born 03/11/2012.</p><p>Only 3 pupils took part (n=4).</p>"
        "<table><tr><th>Group</th><th>Pupils</th></tr><tr><td>LAC</td><td>2</td></tr>"
        "<tr><td>Others</td><td>c</td></tr></table>"
        "<div class='jp-Cell jp-CodeCell'><div class='jp-InputArea'>x = 1</div></div>"
        "<script src='https://cdn.example.org/x.js'></script></body></html>", encoding="utf-8")
    found = check_report_privacy(leaky, data, THRESHOLD)
    assert set(found["kind"]) == {"upn", "name", "date_of_birth", "small_group", "code", "external"}
    assert {"3 pupils", "n=4", "Pupils = 2"} <= set(found.loc[found["kind"] == "small_group", "value"])
    assert "B123456789013" in set(found["value"]) and "03/11/2012" in set(found["value"])
    assert "Amelia Hartley-Jones" in set(found["value"])


def test_finds_upns_wherever_they_are_and_other_pupil_keys(tmp_path):
    """UPN-shaped keys are found by one scan of the file (overlapping runs), other keys one by one: both find
    a key inside a longer run of letters and digits, in any case, as the plain substring search (str.find) does."""
    keys = ["A123456789012", "B12345678901C", "pseudo-7f3a9c", "D123456789015"]   # permanent, temporary, hashed
    data = SimpleNamespace(pupils=pd.DataFrame({"upn": keys}),
                           assessments=pd.DataFrame({"upn": ["E123456789016"] * 3}))
    page = tmp_path / "k.html"
    page.write_text("<p>x</p><img src='data:image/png;base64,QQa123456789012Zb12345678901c9'>"
                    "<script>var k='PSEUDO-7F3A9C';</script><p>E123456789016</p>", encoding="utf-8")
    found = set(check_report_privacy(page, data, THRESHOLD).query("kind == 'upn'")["value"])
    text = page.read_text(encoding="utf-8").upper()
    expected = {k.upper() for k in [*keys, "E123456789016"] if k.upper() in text}      # the plain search
    assert found == expected == {"A123456789012", "B12345678901C", "PSEUDO-7F3A9C", "E123456789016"}


def test_finds_long_dates_and_not_a_surname_alone(data, tmp_path):
    """A date of birth in words is found; a surname alone is not a name (names are found as full names)."""
    page = tmp_path / "p.html"
    page.write_text("<p>Kowalczyk has improved.</p><p>Date: 30 June 2013</p>", encoding="utf-8")
    found = check_report_privacy(page, data, THRESHOLD)
    assert found[["kind", "value"]].values.tolist() == [["date_of_birth", "30 June 2013"]]


def test_ignores_safe_counts_and_words(data, tmp_path):
    ok = tmp_path / "ok.html"
    ok.write_text("<p>There were 28 pupils; fewer than 6 pupils is too few. Amelia-like words: Zofiak.</p>"
                  "<table><tr><th>n</th></tr><tr><td>c</td></tr><tr><td>40</td></tr></table>", encoding="utf-8")
    found = check_report_privacy(ok, data, THRESHOLD)
    assert found.empty, found


# --------------------------------------------------------------------------- the PDF is checked too
needs_pdf_tools = pytest.mark.skipif(
    shutil.which("chromium") is None or pdf_text_missing(),
    reason="needs chromium and pdftotext (apt-get install chromium poppler-utils) or pypdf")


@needs_pdf_tools
def test_pdf_text_is_checked_and_a_leaky_report_withheld(data, tmp_path):
    from gtanalytics.report import html_to_pdf, withhold_if_unsafe

    html = tmp_path / "r.html"
    html.write_text("<html><body><h1>Report</h1><p>Zofia Kowalczyk, born 30/06/2013, UPN C123456789014.</p>"
                    "</body></html>", encoding="utf-8")
    pdf = html_to_pdf(html, tmp_path / "r.pdf")
    found = check_report_privacy(pdf, data, THRESHOLD)
    assert {"upn", "name", "date_of_birth"} <= set(found["kind"])
    assert found.loc[found["kind"] == "name", "where"].tolist() == ["PDF page 1, line 2"]   # line 1: the heading
    with pytest.raises(RuntimeError, match="report withheld"):
        withhold_if_unsafe(pdf, data, THRESHOLD, "r")
    assert not pdf.exists() and not html.exists()  # both the PDF and its HTML are deleted


def test_pdf_without_a_text_extractor_says_so(data, tmp_path, monkeypatch):
    from gtanalytics.disclosure import _privacy as privacy

    monkeypatch.setattr(privacy, "pdf_text", lambda path: None)
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(privacy.PdfTextUnavailable, match="poppler-utils"):
        check_report_privacy(tmp_path / "x.pdf", data, THRESHOLD)


# --------------------------------------------------------------------------- block suppression (register audit)
def unseen_totals(shown: pd.DataFrame, truth: pd.DataFrame, count: str, total: str) -> list[tuple]:
    """Independent audit: per block, what a reader who knows the block total cannot see, added up.

    ``shown`` is the governor frame (NaN = hidden), ``truth`` the same rows unsuppressed. The
    unseen part of a block is its hidden counts plus its remainder (total minus all rows, e.g. the
    "no" of a yes/no flag). Returns (block, unseen sum) for blocks where it is between 1 and
    THRESHOLD - 1, i.e. where a small group or small combined total could be worked out.
    """
    bad = []
    for block, t in truth.groupby("characteristic", sort=False):
        s = shown.loc[t.index]
        unseen = float(t.loc[s[count].isna(), count].sum()) + float(t[total].iloc[0] - t[count].sum())
        shown_small = s[count].dropna().between(1, THRESHOLD - 1).any()
        if 0 < unseen < THRESHOLD or shown_small:
            bad.append((block, unseen))
    return bad


def _rt_block(frame):
    from gtanalytics.disclosure._audience import for_audience

    return for_audience(frame, count_cols=["n_group", "n_group_register"], value_cols=["share_register"],
                        block_col="characteristic", totals={"n_group": "n_cohort", "n_group_register": "n_register"})


def test_block_suppression_hides_the_complement_of_small_groups():
    """The case found in the governor report: no SEN 82 of 87, SEN support 4, EHC plan 1."""
    from gtanalytics.disclosure._suppress import check_disclosure

    t = pd.DataFrame({"characteristic": ["sen"] * 3 + ["lac", "sex", "sex"], "value": ["N", "K", "E", "yes", "F", "M"],
                      "n_cohort": [700] * 3 + [700, 700, 700], "n_group": [600, 80, 20, 5, 340, 360],
                      "n_register": [87] * 6, "n_group_register": [82, 4, 1, 1, 35, 52]})
    t["share_register"] = t["n_group_register"] / t["n_register"]
    safe = _rt_block(t)
    assert safe["suppressed"].tolist() == ["secondary", "primary", "primary", "primary", "", ""]
    assert safe.loc[0, "share_register"] != safe.loc[0, "share_register"]  # 82/87 = 94% is not shown
    assert safe.loc[4:, "share_register"].notna().all()  # girls and boys are both large: shown
    assert unseen_totals(safe, t, "n_group_register", "n_register") == []
    assert unseen_totals(safe, t, "n_group", "n_cohort") == []
    display = safe[["characteristic", "value", "n_group_register"]].astype(object).where(safe.notna(), "c")
    display = pd.concat([display, pd.DataFrame({"characteristic": ["sen"], "value": ["All"], "n_group_register": [87]})])
    sen = display[display["characteristic"] == "sen"]
    assert check_disclosure(sen, count_cols="n_group_register", total_row="All", label_col="value").empty


def test_block_suppression_random_tables_never_leave_a_small_unseen_total():
    """Random breakdowns (flags with a remainder, categories that add up): the audit above always passes."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        blocks = []
        for b in range(3):
            k = int(rng.integers(1, 5))
            reg = rng.integers(0, 12, size=k)
            coh = reg + rng.integers(0, 40, size=k)
            rest_reg, rest_coh = (int(rng.integers(0, 8)), int(rng.integers(0, 30))) if rng.random() < 0.5 else (0, 0)
            blocks.append(pd.DataFrame({"characteristic": f"c{b}", "value": [f"v{i}" for i in range(k)],
                                        "n_group": coh, "n_group_register": reg,
                                        "n_cohort": coh.sum() + rest_coh + rest_reg, "n_register": reg.sum() + rest_reg}))
        t = pd.concat(blocks, ignore_index=True)
        t["share_register"] = t["n_group_register"] / t["n_register"].where(t["n_register"] > 0)
        safe = _rt_block(t)
        for count, total in (("n_group_register", "n_register"), ("n_group", "n_cohort")):
            bad = unseen_totals(safe, t, count, total)
            # a block whose total itself is below the threshold cannot be helped: everything in it is hidden
            bad = [(b, v) for b, v in bad if t.loc[t["characteristic"] == b, total].iloc[0] >= THRESHOLD]
            assert bad == [], (t, safe)
        assert safe.loc[safe["n_group_register"].isna(), "share_register"].isna().all()


def test_small_difference_between_counts_of_the_same_population(data, tmp_path):
    """Two counts a reader can subtract: same noun ('mentees') or same sentence label with 'pupils', one section."""
    page = tmp_path / "d.html"
    page.write_text("<h3>Mentoring</h3><ul><li>Attainment: maths: mentees rose (16 mentees).</li>"
                    "<li>Attendance %: mentees changed about as much (14 mentees).</li></ul>"
                    "<h3>Progress</h3><ul><li>Pupils not on the register: reading in line (523 pupils).</li>"
                    "<li>Pupils not on the register: maths in line (520 pupils).</li></ul>", encoding="utf-8")
    found = check_report_privacy(page, data, THRESHOLD)
    assert found["kind"].tolist() == ["small_difference", "small_difference"]
    assert found["value"].tolist() == ["16 - 14 = 2 mentees", "523 - 520 = 3 pupils"]


def test_different_groups_and_bounds_are_not_subtracted(data, tmp_path):
    """No false alarm: two programmes of similar size, a difference of 0 or >= threshold, a rule ('fewer than'),
    and the same noun in different sections."""
    page = tmp_path / "ok.html"
    page.write_text("<h3>Interventions</h3><ul><li>Catch-up Literacy: effect (29 pupils).</li>"
                    "<li>Precision Reading: no clear effect (26 pupils).</li></ul>"
                    "<p>Groups of fewer than 6 pupils are not shown; fewer than 10 pupils: too few to say.</p>"
                    "<h3>Mentoring</h3><ul><li>Maths: (16 mentees).</li><li>Reading: (16 mentees).</li>"
                    "<li>Attendance: (9 mentees).</li></ul><h3>Staff</h3><ul><li>Mentoring: 14 mentees.</li></ul>",
                    encoding="utf-8")
    assert check_report_privacy(page, data, THRESHOLD).empty


# --------------------------------------------------------------------------- identifiers as people type them
@pytest.fixture(scope="module")
def named():
    """Pupils whose names are also English words or report words, with accents, apostrophes and hyphens."""
    return SimpleNamespace(pupils=pd.DataFrame({
        "upn": ["Y886210121025", "A886210115019", "B886210115020", "C886210115021", "D886210115022", "E88621011502A",
                "G886210115024", "H886210115025"],
        "forename": ["Zoë", "Summer", "Grace", "Mei", "Sean", "May", "Lee", "Ali"],
        "surname": ["White", "Key", "English", "Wang", "O'Brien", "Young", "Ali", "Lee"],
        "date_of_birth": ["2016-11-29", "2012-03-04", "2011-05-01", "2013-09-10", "2012-12-25", "2010-07-07",
                          "2010-01-01", "2010-01-02"],
    }), mentoring=pd.DataFrame({"upn": ["F886210115023"]}))


def _page(tmp_path, body):
    page = tmp_path / "r.html"
    page.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    return page


@pytest.mark.parametrize("written, name", [
    ("Zoe White", "Zoë White"), ("ZOË WHITE", "Zoë White"), ("zoe white", "Zoë White"), ("White Zoe", "White, Zoë"),
    ("White, Zoe", "White, Zoë"), ("WHITE,Zoë", "White, Zoë"), ("Mei Wang-family", "Mei Wang"),
    ("the Wang-Mei twins", "Wang, Mei"), ("Sean O\u2019Brien", "Sean O'Brien"), ("Sean OBrien", "Sean O'Brien"),
    ("Sean O Brien", "Sean O'Brien"), ("O'Brien's, Sean", "O'Brien, Sean"), ("Sean O'Brien's mentor", "Sean O'Brien"),
    ("Summer Key", "Summer Key"), ("Key,  Summer", "Key, Summer"), ("Zoe\nWhite", "Zoë White"),
    ("zoe.white@school.example", "Zoë White"), ("May_Young", "May Young"),
    ("Lee, Ali", "Lee, Ali"),     # Ali Lee's surname first, though "Lee Ali" is also another pupil's name
])
def test_full_names_in_any_case_accent_order_and_punctuation(named, tmp_path, written, name):
    found = check_report_privacy(_page(tmp_path, f"<h2>Programmes</h2><p>Reading group: {written}.</p>"), named)
    assert found[["kind", "value"]].values.tolist() == [["name", name]]
    assert found["where"].iloc[0].startswith('section "Programmes", line 1')


def test_words_that_are_also_names_are_not_leaks(named, tmp_path):
    """The report's own words, and names standing alone or apart, are not pupils."""
    body = ("<h2>Key area 1</h2><p>White British pupils (Summer test); Key area 3; Black Caribbean; young carers; "
            "English and maths; Grace Academy; the Summer term; by May, young pupils; Mei. Wang; Sean and O'Brien; "
            "Zoe, White: a list; Grace.</p><table><tr><th>Ethnicity</th><th>Pupils</th></tr>"
            "<tr><td>White British</td><td>40</td></tr></table><p>Key: Summer</p>")
    assert check_report_privacy(_page(tmp_path, body), named, THRESHOLD).empty


@pytest.mark.parametrize("written", ["Y886 2101 21025", "y886210121025", "Y886-2101-21025", "Y 886 210 121 025",
                                     "Y886.2101.2102.5", "xY886210121025z", "Y886 2101\n21025"])
def test_upns_in_any_spacing_or_case(named, tmp_path, written):
    found = check_report_privacy(_page(tmp_path, f"<h3>Notes</h3><p>Pupil {written} joined.</p>"), named)
    assert found[["kind", "value"]].values.tolist() == [["upn", "Y886210121025"]]
    assert found["where"].iloc[0] == 'section "Notes", line 1'


def test_a_upn_with_a_letter_check_character_and_from_another_table(named, tmp_path):
    found = check_report_privacy(_page(tmp_path, "<p>e886 2101 1502 a and F886210115023</p>"), named)
    assert sorted(found["value"]) == ["E88621011502A", "F886210115023"]


@pytest.mark.parametrize("written", [
    "29th November 2016", "29/11/2016", "29 Nov 2016", "2016-11-29", "November 29, 2016", "29.11.16", "29-11-2016",
    "29th of November 2016", "Nov. 29th, 2016", "29 NOVEMBER 2016", "20161129", "11/29/2016", "29 Nov '16",
    "2016/11/29", "29-Nov-2016", "2016-11-29T00:00:00", "DOB:29/11/2016"])
def test_dates_of_birth_in_the_usual_written_forms(named, tmp_path, written):
    found = check_report_privacy(_page(tmp_path, f"<h2>Mentoring</h2><p>Born {written}.</p>"), named)
    assert found["kind"].tolist() == ["date_of_birth"]
    assert found["value"].iloc[0] == written.removeprefix("DOB:").removesuffix("T00:00:00")


def test_dates_that_are_not_a_birthday_are_not_leaks(named, tmp_path):
    body = ("<p>Report generated on 7 December 2026; Summer test 2024-06-14; 30/11/2016; November 2016; "
            "29 November 2015; version 1.29.11.2016.4; 129/11/2016</p>")
    assert check_report_privacy(_page(tmp_path, body), named, THRESHOLD).empty


def test_findings_say_which_name_and_where(named, tmp_path):
    page = tmp_path / "r.html"
    page.write_text("<html><body>\n<h1>Governor report</h1>\n<h2>Key area 4: engaging pupils</h2>\n<ul>\n"
                    "<li>Parents' evening with\nSummer Key's family</li>\n</ul>\n"
                    "<img alt='C886210115021' src='x.png'>\n</body></html>", encoding="utf-8")
    found = check_report_privacy(page, named, THRESHOLD).set_index("kind")
    assert found.loc["name", "value"] == "Summer Key"
    assert found.loc["name", "where"] == 'section "Key area 4: engaging pupils", line 6'
    assert found.loc["upn", "where"] == 'section "Key area 4: engaging pupils", line 8'


# --------------------------------------------------------------------------- free text shown to governors
def test_redact_free_text_removes_names_upns_and_birthdays(named):
    from gtanalytics.disclosure._privacy import redact_free_text

    notes = pd.Series(["Zoe White and Sean O\u2019Brien: reading", "Focus: Y886 2101 21025 (born 29th November 2016)",
                       None, "Summer reading club; White British girls; Grace and Hope", "Wang-Mei twins"],
                      index=[10, 11, 12, 13, 14])
    redacted, count = redact_free_text(notes, named.pupils)
    assert redacted.index.tolist() == [10, 11, 12, 13, 14]
    assert pd.isna(redacted[12]) and redacted.dtype == notes.dtype
    assert redacted.fillna("-").tolist() == ["[name removed] and [name removed]: reading",
                                 "Focus: [UPN removed] (born [date of birth removed])", "-",
                                 "Summer reading club; White British girls; Grace and Hope", "[name removed] twins"]
    assert count == 5


def test_redact_free_text_takes_a_string_or_the_trust_data(named):
    from gtanalytics.disclosure._privacy import redact_free_text

    assert redact_free_text("Mentor for F886210115023, may young", named) == (
        "Mentor for [UPN removed], [name removed]", 2)
    assert redact_free_text("Nothing to see", named.pupils) == ("Nothing to see", 0)


def test_every_sample_pupil_is_caught_by_full_name_and_none_by_a_single_word(sample, tmp_path):
    """The whole sample trust (names that are also words: White, Young, Summer, Grace, Key...): every name word
    alone, next to the report's own wording, passes; every pupil's full name, in any of its forms, is caught."""
    pupils = sample.pupils[["forename", "surname"]].drop_duplicates()
    words = sorted(set(pupils["forename"]) | set(pupils["surname"]))
    report_words = ("White British pupils; the Summer test; Key area 4; Black Caribbean; English and maths; "
                    "Young carers; May half term; Hope; Grace; Faith schools; King's Award; Autumn term.")
    page = _page(tmp_path, f"<h2>Words</h2><p>{report_words}</p>" + "".join(f"<p>{w}.</p>" for w in words))
    assert check_report_privacy(page, sample, THRESHOLD).empty
    rng = np.random.default_rng(17)
    chosen = pupils.iloc[rng.choice(len(pupils), 60, replace=False)]
    forms = ["{f} {s}", "{s}, {f}", "{S} {F}", "{f}  {s}'s"]
    lines = [forms[i % 4].format(f=f, s=s, F=f.upper(), S=s.upper())
             for i, (f, s) in enumerate(chosen.itertuples(index=False))]
    page = _page(tmp_path, "<h2>Notes</h2>" + "".join(f"<p>Seen: {ln}.</p>" for ln in lines))
    found = check_report_privacy(page, sample, THRESHOLD)
    assert set(found["kind"]) == {"name"} and len(found) == len(lines)
    assert found["context"].str.contains("Seen:").all()
