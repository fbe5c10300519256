"""The governor report pipeline: papermill -> HTML without code -> privacy check -> chromium PDF.

A governor report is built for one sample school and checked *independently of*
``check_report_privacy``: every UPN, full name and date of birth of the input is searched for in
the raw HTML; every pupil count written in the text or in a table is at least the threshold; every
image is an embedded data URI and nothing is fetched from the internet; no code cell keeps its
input. Headless chromium must render it (dump-dom) and print it to PDF (skipped only when
chromium is absent). ``check_report_privacy`` itself is tested on planted leaks in test_privacy.py.
"""

from __future__ import annotations

import re
import threading

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from gtanalytics.report import _build as report
from gtanalytics import data as rd
from gtanalytics import disclosure as rt
from gtanalytics import sections
from gtanalytics.progress import previous_year
from gtanalytics.disclosure._privacy import check_report_privacy
from gtanalytics.errors import GTDataError

SCHOOL = "8884101"
FOLDER = "kingsmead-academy"       # reports are named for people: reports/<school name>/governor-report.html
PRIMARY, PRIMARY_FOLDER = "8862101", "oakfield-primary"
THRESHOLD = 6
needs_chromium = pytest.mark.skipif(report.find_chromium() is None,
                                    reason="chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def trust_dir(sample_dir):
    """The sample trust (conftest's ``sample_dir``), under this module's historical name."""
    return sample_dir


@pytest.fixture(scope="module")
def trust(trust_dir):
    from gtanalytics.data._io import load

    return load(trust_dir)


@pytest.fixture(scope="module")
def built(trust_dir, tmp_path_factory):
    """The same governor report built twice at once (two kernels): for the checks and for determinism.

    The first build (with PDFs when chromium is installed) also builds a primary school's report, so that
    the PDF checks cover both phases with no extra build."""
    outs = [tmp_path_factory.mktemp("reports_a"), tmp_path_factory.mktemp("reports_b")]
    pdf = report.find_chromium() is not None
    summaries = [None, None]

    def run(i):
        summaries[i] = report.build_reports(trust_dir, outs[i], schools=[SCHOOL, PRIMARY] if i == 0 else [SCHOOL],
                                            pdf=pdf and i == 0, progress=False, trust_overview=False)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summaries, outs


@pytest.fixture(scope="module")
def html(built):
    summaries, outs = built
    assert summaries[0]["status"].tolist() == ["ok", "ok"], summaries[0]["error"].tolist()
    return (outs[0] / FOLDER / "governor-report.html").read_text(encoding="utf-8")


def test_summary_table(built):
    summary = built[0][0]
    assert list(summary.columns) == ["school", "status", "seconds", "error"]
    assert summary.loc[0, "school"] == SCHOOL and summary.loc[0, "seconds"] > 0 and summary.loc[0, "error"] == ""


def test_no_code_cells(html):
    soup = BeautifulSoup(html, "html.parser")
    for cell in soup.select(".jp-CodeCell"):
        assert "jp-mod-noInput" in cell["class"]
    assert not soup.select(".jp-InputPrompt, .jp-OutputPrompt, .jp-CodeMirrorEditor, .highlight")
    for word in ("import ", "rt.for_audience", "for_school(", "warnings.catch_warnings"):
        assert word not in soup.get_text()


def test_no_personal_data(html, trust):
    """Independent scan of the raw HTML for every UPN, full name and date of birth in the input."""
    upper, lower = html.upper(), html.lower()
    for u in trust.pupils["upn"].dropna().unique():
        assert u.upper() not in upper
    names = trust.pupils[["forename", "surname"]].dropna().drop_duplicates()
    for fn, sn in names.itertuples(index=False):
        assert f"{fn} {sn}".lower() not in lower and f"{sn}, {fn}".lower() not in lower
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    for d in pd.to_datetime(trust.pupils["date_of_birth"].dropna().unique()):
        for form in (d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"), f"{d.day} {d.strftime('%B %Y')}"):
            assert form not in text


def test_no_group_below_threshold_shown(html):
    soup = BeautifulSoup(html, "html.parser")
    text = " ".join(soup.get_text(" ").split())
    counts = [int(a or b) for a, b in re.findall(r"\bn\s*=\s*(\d+)|(\d+) (?:pupils|mentees)\b", text)]
    assert counts, "the report states its group sizes"
    assert all(c == 0 or c >= THRESHOLD for c in counts), sorted(counts)[:5]
    assert "too few" in text  # small groups are said to be small, not silently dropped
    for table in soup.find_all("table"):
        heads = [th.get_text(strip=True).lower() for th in table.find_all("th")]
        for row in table.find_all("tr")[1:]:
            cells = [td.get_text(strip=True) for td in row.find_all("td")]
            for h, v in zip(heads, cells):
                if h in {"n", "pupils"} and v.isdigit():
                    assert int(v) == 0 or int(v) >= THRESHOLD


def test_charts_embedded_nothing_external(html):
    soup = BeautifulSoup(html, "html.parser")
    imgs = soup.find_all("img")
    assert len(imgs) >= 3  # one chart per key area that has one (register or gaps, interventions, absence...)
    assert all(i["src"].startswith("data:image/png;base64,") for i in imgs)
    for tag in soup.find_all(["script", "link", "iframe", "img"]):
        for attr in ("src", "href"):
            assert not str(tag.get(attr, "")).startswith(("http:", "https:", "//"))


def test_privacy_check_passes_on_the_report(built, trust):
    path = built[1][0] / FOLDER / "governor-report.html"
    assert check_report_privacy(path, trust, THRESHOLD).empty


def test_same_inputs_same_report(built):
    a, b = (o / FOLDER / "governor-report.html" for o in built[1])
    strip = lambda s: re.sub(r"Generated on \d{1,2} \w+ \d{4}", "", s)  # noqa: E731
    assert strip(a.read_text(encoding="utf-8")) == strip(b.read_text(encoding="utf-8"))


@needs_chromium
def test_chromium_renders_and_prints(built):
    path = built[1][0] / FOLDER / "governor-report.html"
    dom = report.dump_dom(path)
    assert "Key area 2" in dom and "<img" in dom
    pdf = path.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000


def test_missing_chromium_message(monkeypatch, tmp_path):
    monkeypatch.setattr(report, "find_chromium", lambda: None)
    (tmp_path / "a.html").write_text("<p>x</p>")
    with pytest.raises(RuntimeError, match="apt-get install chromium"):
        report.html_to_pdf(tmp_path / "a.html", tmp_path / "a.pdf")


# --------------------------------------------------------------------------- batch behaviour
def test_batch_goes_on_after_a_failure(trust_dir, tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'data_path: str = ""\nschool: "Optional[str]" = None\nyears: "Optional[list[str]]" = None\n'
        'threshold: int = 6\naudience: str = "leaders"\ninteractive: bool = False')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        'if school == "8862101":\n    raise ValueError("planted failure")\nprint("fine")')]
    nb.metadata["kernelspec"] = {"name": "gtanalytics", "display_name": "gtanalytics", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    summary = report.build_reports(trust_dir, tmp_path / "out", schools=["8862101", "8872101"], notebooks=[path],
                                   audience="leaders", jobs=2)
    assert summary["school"].tolist() == ["8862101", "8872101"]
    assert summary["status"].tolist() == ["failed", "ok"]
    assert "planted failure" in summary.loc[0, "error"]
    printed = capsys.readouterr().out
    assert re.search(r"\[\d/2\] Oakfield Primary \(8862101\): failed", printed)   # schools by name
    assert re.search(r"\[\d/2\] Riverside Primary \(8872101\): ok", printed)
    assert "status" not in printed and "seconds" not in printed  # the summary table is left to the caller
    assert len(printed.strip().splitlines()) == 2  # one progress line per school, nothing else
    assert (tmp_path / "out" / "riverside-primary" / "tiny.html").exists()  # named for people


def test_build_reports_rejects_bad_options(trust_dir, tmp_path):
    with pytest.raises(GTDataError, match="jobs"):
        report.build_reports(trust_dir, tmp_path, jobs=3)
    with pytest.raises(GTDataError, match="audience"):
        report.build_reports(trust_dir, tmp_path, audience="public")
    with pytest.raises(GTDataError, match="not in the data"):
        report.build_reports(trust_dir, tmp_path, schools=["999"])


# --------------------------------------------------------------------------- helpers
def test_school_data_and_years(trust):
    one = trust.for_school(SCHOOL, years=["2023/24"])
    assert set(one.pupils["school_id"]) == {SCHOOL} and set(one.pupils["academic_year"]) == {"2023/24"}
    assert set(one.assessments["upn"]) <= set(one.pupils["upn"])
    assert max(one.assessments["academic_year"]) == "2023/24"
    assert set(one.self_evaluation["school_id"]) == {SCHOOL}
    assert previous_year("2023/24") == "2022/23"
    assert rd.years_of(trust) == sorted(trust.pupils["academic_year"].unique())
    cov = rd.coverage(one)
    assert cov.loc[cov["table"] == "pupils", "rows"].sum() == len(one.pupils)


def test_for_audience_matches_disclosure(trust):
    from gtanalytics.disclosure._suppress import suppress

    g = pd.DataFrame({"group": ["a", "b", "c"], "n": [4, 30, 0], "va": [1.0, 0.2, float("nan")],
                      "ci_low": [0.1, -0.1, float("nan")], "ci_high": [1.9, 0.5, float("nan")]})
    safe = rt.for_audience(g, count_cols="n", value_cols=["va", "ci_low", "ci_high"])
    hidden = suppress(g, count_cols="n", value_cols=["va", "ci_low", "ci_high"]).hidden
    assert safe["va"].isna().tolist() == [True, False, True]
    assert safe.loc[0, "n"] != safe.loc[0, "n"] and hidden.loc[0, "n"]  # the count itself is hidden
    assert rt.for_audience(g, count_cols="n", audience="leaders").equals(g)


def _iv(sizes: dict, start="2024-01-08"):
    rows = [(p, f"{p}{i}") for p, n in sizes.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["programme", "upn"]).assign(start_date=pd.Timestamp(start))


@pytest.mark.parametrize("sizes", [{"A": 3, "B": 20}, {"A": 3, "B": 20, "C": 9}, {"A": 2, "B": 3, "C": 30},
                                   {"A": 0, "B": 12, "C": 14}])
def test_programme_counts_cannot_be_subtracted_from_the_years_total(sizes):
    """Key area 5 shows the year's pupils in interventions; the programmes shown must not give a hidden one away.

    Audited with the exact whole-table check of gtanalytics.disclosure.check_disclosure (a linear programme per
    hidden cell and a MILP for small combined totals), on the table a reader can assemble: the programme
    counts as shown plus the year's total.
    """
    from gtanalytics.disclosure._suppress import check_disclosure

    iv = _iv({p: n for p, n in sizes.items() if n})
    impact = pd.DataFrame({"programme": list(sizes), "n": list(sizes.values()), "n_comparison": 50,
                           "estimate": 0.2})
    safe = rt.programmes_for_audience(impact, iv, academic_year="2023/24", threshold=6)
    assert safe["programme"].tolist() == list(sizes)
    shown = safe["n"].map(lambda v: "c" if pd.isna(v) else str(int(v))).tolist()
    reader = pd.DataFrame({"programme": [*sizes, "Total"], "n": [*shown, str(sum(sizes.values()))]})
    assert check_disclosure(reader, 6, count_cols=["n"], total_row="Total", label_col="programme").empty
    assert all(safe["n"].isna() | (safe["n"] >= 6) | (safe["n"] == 0))
    assert safe.loc[safe["n"].isna(), "estimate"].isna().all()        # a hidden programme's effect is hidden too


@pytest.mark.parametrize("mentored_ua, mentees", [(14, 17), (14, 14), (14, 40), (3, 8)])
def test_key_area_1_count_cannot_be_subtracted_from_key_area_5(mentored_ua, mentees):
    """Mentored under-achievers (key area 1) against all mentees this year (key area 5): the pair must not
    reveal a group of 1 to 5, the other mentees (their number is the difference a reader can take)."""
    cov = pd.DataFrame({"group": "UA", "support": ["mentoring"], "n_group": 30, "n_supported": [mentored_ua],
                        "share": [mentored_ua / 30], "ci_low": 0.1, "ci_high": 0.9})
    safe = rt.for_audience(cov, count_cols="n_supported", value_cols=["share", "ci_low", "ci_high"],
                           block_col=["group", "support"], totals={"n_supported": "n_group"})
    safe = rt.hide_near_totals(safe, count_col="n_supported", key_col="support", totals={"mentoring": mentees},
                               value_cols=["share", "ci_low", "ci_high"])
    k = safe.loc[0, "n_supported"]
    assert pd.isna(k) or not 0 < mentees - k < 6          # the other mentees: none, or at least 6
    assert pd.isna(k) or k >= 6
    assert pd.isna(k) == (0 < mentees - mentored_ua < 6 or mentored_ua < 6)
    assert pd.isna(k) <= pd.isna(safe.loc[0, "share"])
    assert rt.hide_near_totals(cov, count_col="n_supported", key_col="support", totals={"mentoring": mentees},
                               audience="leaders").equals(cov)


def test_programme_counts_spread_over_years_are_suppressed_one_by_one():
    """Records in two years: a programme's count is not part of this year's total, so no block is formed."""
    iv = pd.concat([_iv({"A": 3}), _iv({"B": 20}, start="2022-01-10"), _iv({"B": 5})], ignore_index=True)
    impact = pd.DataFrame({"programme": ["A", "B"], "n": [3, 25], "n_comparison": 50, "estimate": 0.2})
    safe = rt.programmes_for_audience(impact, iv, academic_year="2023/24", threshold=6)
    assert safe["n"].isna().tolist() == [True, False]
    assert rt.programmes_for_audience(impact, iv, academic_year="2023/24", audience="leaders").equals(impact)


def test_load_trust_reads_the_copy_a_build_loaded_once(trust, trust_dir, tmp_path):
    """A kernel given the build's pickle gets the same tables, quality log and accounting as loading afresh."""
    import pickle

    fresh = trust
    cache = tmp_path / "trust-data.pickle"
    cache.write_bytes(pickle.dumps(fresh))
    copy = rd.load_trust(trust_dir, cache=cache)
    for name, df in fresh.tables.items():
        pd.testing.assert_frame_equal(copy.tables[name], df)
    pd.testing.assert_frame_equal(copy.quality, fresh.quality)
    pd.testing.assert_frame_equal(copy.accounting, fresh.accounting)
    pd.testing.assert_frame_equal(rd.load_trust(trust_dir).pupils, fresh.pupils)   # no cache: loaded from the path
    cache.write_bytes(pickle.dumps({"not": "data"}))
    with pytest.raises(GTDataError, match="not a trust's data"):
        rd.load_trust(trust_dir, cache=cache)


def test_table_rounds_and_marks_missing():
    t = sections.table(pd.DataFrame({"n": [12, None], "va": [0.1234, None], "ok": [True, None]}).astype(
        {"n": "Int64", "ok": "boolean"}), columns={"n": "Pupils", "va": "Value added", "ok": "OK"})
    assert "0.12" in t.data and ">c<" in t.data and ">yes<" in t.data and "Pupils" in t.data


def test_register_audit_lets_no_small_group_be_worked_out(trust):
    """From the register shares governors are shown, and the register size, nothing small can be derived.

    Independent of the library's suppression: the true counts are taken from the raw pupils table
    (ethnic groups via the DfE major-group map), the shown shares are read from every sentence of the
    governors' register section (the governor report shows its most important three; the key-area
    notebook for governors shows all of them). In each
    block (characteristic), the pupils a reader cannot see (groups without a shown share, plus the
    "no" of a yes/no flag) must number 0 or at least the threshold, on the register and in the
    cohort; and every group whose share is shown has none or at least the threshold of pupils.
    """
    from gtanalytics import sections
    from gtanalytics.narrative._register import group_label
    from gtanalytics.data.schemas import ETHNICITY_MAJOR

    sec = sections.Document(trust, school=SCHOOL, audience="governors")(sections.register_representative)
    text = " ".join(" ".join(str(x) for x in sec.sentences).split())
    shown = dict(re.findall(r"(?:^|[.)] )([A-Z][\w &'-]+?) are (?:under-represented on the register|over-represented "
                            r"on the register|represented on the register in line with the cohort): (\d+)% of the "
                            r"register", text))
    p = trust.pupils[(trust.pupils["school_id"] == SCHOOL) & (trust.pupils["academic_year"] == "2023/24")].copy()
    p["ethnicity_major"] = p["ethnicity"].map(ETHNICITY_MAJOR)
    hidden_somewhere = False
    for ch in ("disadvantaged", "lac", "sen", "eal", "ethnicity_major", "sex"):
        known = p[p[ch].notna()]
        flag = known[ch].dtype == bool
        values = [True, False] if flag else sorted(known[ch].unique(), key=str)
        for who in (known, known[known["gt_register"]]):
            counts = {v: int((who[ch] == v).sum()) for v in values}
            label = {v: group_label(ch, "yes" if v is True else v) for v in values if v is not False}
            seen = [v for v in label if label[v] in shown]
            unseen = sum(n for v, n in counts.items() if v not in seen)
            assert unseen == 0 or unseen >= THRESHOLD, (ch, counts, seen)
            assert all(counts[v] == 0 or counts[v] >= THRESHOLD for v in seen), (ch, counts, seen)
            hidden_somewhere |= any(0 < counts[v] < THRESHOLD for v in label if v not in seen)
    assert hidden_somewhere  # the sample school has small groups, so the test is not vacuous
    assert "cannot be worked out" in text  # secondary suppression is explained in words


@needs_chromium
def test_pdf_text_of_the_report_is_clean(built, trust):
    pdf = built[1][0] / FOLDER / "governor-report.pdf"
    from gtanalytics.disclosure._privacy import pdf_text

    if pdf_text(pdf) is None:
        pytest.skip("no PDF text extractor (apt-get install poppler-utils): the build checked the HTML only")
    assert "Key area 2" in pdf_text(pdf)
    assert check_report_privacy(pdf, trust, THRESHOLD).empty


def test_key_areas_in_order_each_with_its_rating(html):
    """Summary first, then key areas 1 to 5 in order; each page states the school's own rating against the
    evidence, answers from data (support for under-achievers in 1; the school against the trust in 5) and
    names no member of staff."""
    text = " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())
    heads = [text.index("Summary"), *(text.index(f"Key area {k}:") for k in range(1, 6))]
    assert heads == sorted(heads)
    ka1 = text[heads[1]:heads[2]]
    # the support for under-achievers is stated, or said to be too few pupils to state (sample: fewer than 10)
    assert "were mentored this year" in ka1 or "too few to say how many were mentored" in ka1
    assert "intervention programme this year" in ka1 or "too few to say how many took part in an intervention" in ka1
    assert "average of the trust's schools" in text[heads[5]:]
    for start, stop in zip(heads[1:], heads[2:] + [len(text)]):
        assert "the school rates itself" in text[start:stop]
    assert "LSA-0" not in text  # staff are described by role, never named


def test_summary_states_both_small_group_rules(html):
    """Groups under the threshold (6) are not shown; groups under LOW_N (10) are too few to conclude about."""
    from gtanalytics._stats import LOW_N

    text = " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())
    assert f"Groups of fewer than {THRESHOLD} pupils are not shown" in text
    assert f"groups of fewer than {LOW_N} pupils are described as \"too few pupils to say\"" in text


@needs_chromium
@pytest.mark.parametrize(("school", "folder"), [(SCHOOL, FOLDER), (PRIMARY, PRIMARY_FOLDER)])
def test_pdf_is_at_most_six_pages_with_the_summary_against_national_on_page_one(built, trust, school, folder):
    """Issue 13: every report is at most 6 A4 pages, and page 1 (not a blank page) carries the summary with the
    headline outcomes against the national figure, read from the PDF itself with poppler's pdfinfo/pdftotext."""
    import shutil
    import subprocess

    from gtanalytics.headlines import headline_outcomes

    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    pdf = built[1][0] / folder / "governor-report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 6
    assert re.search(r"Page size:\s+59[45]\.\d* x 841\.\d* pts \(A4\)", info)
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "Governor report: " in first and "Summary" in first and "Headline outcomes" in first
    assert "National" in first and "Disadvantaged" in first and "What matters most" in first
    h = headline_outcomes(trust, school=school, year="2023/24")
    top = h[(h["group"] == "all") & h["national"].notna()].iloc[0]  # the first measure with a national figure
    line = next(ln for ln in first.splitlines() if ln.strip().startswith(str(top["label"])[:20]))
    assert f"{top['national']:.1f}" in line, line   # the school's row carries the national figure beside it
