"""Sentence choice at the boundaries: interval excluding zero, touching zero, low n, missing values.

The reading of an interval follows DfE's rule for progress scores (methodology 1.5: lower limit
above 0 = significantly above, upper limit below 0 = significantly below, otherwise not
significantly different). The independent check is statsmodels: a one-sample t interval that
excludes 0 must be read as significant exactly when statsmodels' t-test gives p < alpha.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from gtanalytics import narrative as nv
from gtanalytics import selfeval
from gtanalytics.selfeval import Statement


# --------------------------------------------------------------------------- judge_interval
@pytest.mark.parametrize(
    "low, high, n, expected",
    [
        (0.1, 0.7, 30, "above"),
        (1e-12, 0.7, 30, "above"),       # just above zero
        (0.0, 0.7, 30, "in_line"),        # touching zero counts as including it
        (-0.7, 0.0, 30, "in_line"),
        (-0.7, -1e-12, 30, "below"),
        (-0.2, 0.3, 30, "in_line"),
        (0.1, 0.7, 5, "too_few"),         # below min_n = 6
        (0.1, 0.7, 6, "above"),           # exactly min_n is enough
        (np.nan, 0.7, 30, "too_few"),
        (0.1, 0.7, pd.NA, "too_few"),     # suppressed count
    ],
)
def test_judge_interval_boundaries(low, high, n, expected):
    assert nv.judge_interval(low, high, n=n, min_n=6) == expected


def test_judge_interval_reference():
    assert nv.judge_interval(8.1, 11.5, reference=7.1) == "above"
    assert nv.judge_interval(6.0, 7.1, reference=7.1) == "in_line"


def test_judge_interval_agrees_with_statsmodels_ttest():
    """Independent check: interval excludes 0 <=> statsmodels one-sample t-test p < 0.05."""
    rng = np.random.default_rng(20240611)
    for shift in np.linspace(-0.8, 0.8, 33):
        x = rng.normal(shift, 1.0, size=25)
        d = DescrStatsW(x)
        low, high = d.tconfint_mean(alpha=0.05)
        _, p, _ = d.ttest_mean(0.0)
        kind = nv.judge_interval(low, high, n=len(x))
        assert (kind != "in_line") == (p < 0.05)
        if kind == "above":
            assert x.mean() > 0
        if kind == "below":
            assert x.mean() < 0


# --------------------------------------------------------------------------- value added
def _va(n, va, lo, hi, group="G&T"):
    return pd.Series({"gt": group, "n": n, "va": va, "ci_low": lo, "ci_high": hi})


def test_value_added_sentences():
    above = nv.describe_value_added(_va(28, 0.42, 0.10, 0.74), measure_name="KS2 maths", label="gt")
    assert "significantly above" in above and above.judgement == "positive"
    assert "+0.42" in above and "95% interval +0.10 to +0.74" in above and "28 pupils" in above
    below = nv.describe_value_added(_va(28, -0.42, -0.74, -0.10), measure_name="KS2 maths", label="gt")
    assert "significantly below" in below and below.judgement == "negative"
    assert "\u22120.42" in below  # a real minus sign
    touching = nv.describe_value_added(_va(28, 0.32, 0.0, 0.64), measure_name="KS2 maths", label="gt")
    assert "in line with" in touching and "could be chance" in touching and touching.judgement == "neutral"


def test_value_added_small_group_hides_its_size():
    s = nv.describe_value_added(_va(4, 1.2, 0.5, 1.9), measure_name="reading", label="gt", min_n=6)
    assert s.judgement == "too_few"
    assert "fewer than 6 pupils" in s and "too few to say" in s
    assert "4" not in s and "1.2" not in s  # neither the size nor the estimate of a small group


def test_value_added_frame_and_names():
    frame = pd.DataFrame({"gt_register": [True, False], "n": [20, 80], "va": [0.5, -0.1],
                          "ci_low": [0.1, -0.3], "ci_high": [0.9, 0.1]})
    out = nv.describe_value_added(frame, measure_name="maths", label="gt_register",
                                  names={True: "Pupils on the register", False: "Other pupils"})
    assert isinstance(out, list) and len(out) == 2
    assert out[0].startswith("Pupils on the register:") and out[1].startswith("Other pupils:")
    assert [s.judgement for s in out] == ["positive", "neutral"]
    assert all(s.key_area == 2 for s in out)


def test_value_added_no_interval_with_enough_pupils():
    s = nv.describe_value_added(_va(30, 0.2, np.nan, np.nan), measure_name="maths", label="gt")
    assert s.judgement == "too_few" and "no interval could be calculated" in s


# --------------------------------------------------------------------------- gaps
def _gap(nf, no, g, lo, hi):
    return {"n_focus": nf, "n_other": no, "mean_focus": 100.0, "mean_other": 100.0 - g, "gap": g,
            "ci_low": lo, "ci_high": hi}


def test_gap_sentences():
    s = nv.describe_gap(_gap(30, 90, -3.2, -5.1, -1.3), measure_name="KS2 maths")
    assert s.judgement == "negative" and "3.2 points lower" in s and "significant gap" in s
    s = nv.describe_gap(_gap(30, 90, 2.0, 0.4, 3.6), measure_name="KS2 maths")
    assert s.judgement == "positive" and "higher" in s and "in their favour" in s
    s = nv.describe_gap(_gap(30, 90, -1.0, -2.9, 0.0), measure_name="KS2 maths")  # touches zero
    assert s.judgement == "neutral" and "no clear evidence of a gap" in s


def test_gap_lower_is_better_flips_the_judgement():
    # focus group has MORE absence (gap > 0) and the interval excludes zero: a concern
    s = nv.describe_gap(_gap(30, 90, 2.5, 1.0, 4.0), measure_name="absence", higher_is_better=False,
                        unit="percentage points")
    assert s.judgement == "negative" and "2.5 percentage points higher" in s


def test_gap_too_few_names_the_small_group_without_its_size():
    assert "ewer than 10 disadvantaged pupils" in nv.describe_gap(_gap(9, 90, -8.0, -12.0, -4.0), measure_name="maths")
    s = nv.describe_gap(_gap(5, 90, -8.0, -12.0, -4.0), measure_name="maths", min_n=6)
    assert s.judgement == "too_few" and "ewer than 6 disadvantaged pupils" in s and "5" not in s
    s = nv.describe_gap(_gap(40, 3, -8.0, -12.0, -4.0), measure_name="maths", min_n=6)
    assert "ewer than 6 other pupils" in s
    s = nv.describe_gap(_gap(6, 6, -8.0, -12.0, -4.0), measure_name="maths", min_n=6)
    assert s.judgement == "negative"


def test_gap_trend_classifications():
    base = {"first_year": "2021/22", "last_year": "2023/24", "gap_first": -6.0, "gap_last": -1.0,
            "estimate": 5.0, "ci_low": 2.0, "ci_high": 8.0, "low_n": False}
    cases = {
        "narrowing because the focus group improved": ("positive", "narrowed"),
        "narrowing: the focus group improved and the other group fell": ("positive", "narrowed"),
        "narrowing because the other group fell": ("neutral", "did less well"),
        "widening": ("negative", "widened"),
        "no clear change": ("neutral", "no clear change"),
    }
    for cls, (judgement, words) in cases.items():
        s = nv.describe_gap_trend({**base, "classification": cls}, measure_name="maths")
        assert s.judgement == judgement and words in s, cls
    s = nv.describe_gap_trend({**base, "low_n": True, "classification": "widening"}, measure_name="maths")
    assert s.judgement == "too_few"


# --------------------------------------------------------------------------- effects
def _eff(g, lo, hi, nt=24, nc=60, months=4):
    return {"programme": "Catch-up", "g": g, "ci_low": lo, "ci_high": hi, "n_treatment": nt,
            "n_comparison": nc, "months": months}


def test_effect_sentences():
    s = nv.describe_effect(_eff(0.35, 0.05, 0.65), outcome_name="reading", label="programme")
    assert s.judgement == "positive" and "about 4 months' additional progress" in s
    assert s.startswith("Catch-up:") and s.key_area == 3
    s = nv.describe_effect(_eff(0.35, -0.05, 0.75), outcome_name="reading", label="programme")
    assert s.judgement == "neutral" and "no clear evidence" in s
    s = nv.describe_effect(_eff(-0.40, -0.70, -0.10, months=-5), outcome_name="reading")
    assert s.judgement == "negative" and "5 months less progress" in s
    s = nv.describe_effect(_eff(0.05, -0.2, 0.3, months=1), outcome_name="reading")
    assert "about 1 month's additional progress" in s
    s = nv.describe_effect(_eff(0.9, 0.1, 1.7, nt=5), outcome_name="reading")
    assert s.judgement == "too_few" and "5" not in s.split(":", 1)[1].replace("fewer than 6", "")
    s = nv.describe_effect(_eff(0.9, 0.1, 1.7, nc=3), outcome_name="reading")
    assert s.judgement == "too_few" and "comparison group" in s


def test_effect_without_comparison_group_cannot_show_impact():
    row = {"programme": "Booster", "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "n": 14, "n_comparison": 0}
    s = nv.describe_effect(row, outcome_name="maths", label="programme")
    assert s.judgement == "no_data" and "no comparison group" in s


# --------------------------------------------------------------------------- register, attendance
def _reg(verdict, n=60, share_register=0.12):
    return {"characteristic": "disadvantaged", "value": "yes", "n": n, "share_cohort": 0.30,
            "share_register": share_register, "estimate": 0.4, "ci_low": 0.2, "ci_high": 0.7, "verdict": verdict}


def test_register_representation():
    s = nv.describe_register(_reg("under-represented"))
    assert s.judgement == "negative" and s.startswith("Disadvantaged pupils are under-represented")
    assert "12% of the register against 30% of the cohort" in s
    s = nv.describe_register(_reg("in line"))
    assert s.judgement == "neutral" and "in line with the cohort" in s
    assert nv.describe_register(_reg("over-represented")).judgement == "neutral"
    small = nv.describe_register(_reg("under-represented", n=5))  # too small whatever the verdict
    assert small.judgement == "too_few" and "60" not in small
    assert nv.describe_register(_reg("too few to say")).judgement == "too_few"
    assert nv.describe_register(_reg("in line", share_register=np.nan)).judgement == "too_few"
    hidden = nv.describe_register(_reg("under-represented", share_register=np.nan))  # suppressed numbers
    assert hidden.judgement == "negative" and "numbers not shown" in hidden and "%" not in hidden


def test_group_labels():
    assert nv.group_label("sen", "K") == "Pupils with SEN support"
    assert nv.group_label("lac", "yes") == "Looked-after children"
    assert nv.group_label("birth_term", "Summer") == "Born in the summer term"


def test_attendance_against_national():
    row = {"n": 40, "estimate": 9.8, "ci_low": 8.1, "ci_high": 11.5, "national": 7.1}
    s = nv.describe_attendance(row)
    assert s.judgement == "negative" and "significantly above the national figure of 7.1%" in s
    s = nv.describe_attendance(dict(row, ci_low=7.1))
    assert s.judgement == "neutral" and "in line with" in s
    s = nv.describe_attendance(dict(row, ci_low=5.0, ci_high=6.9))
    assert s.judgement == "positive"
    s = nv.describe_attendance(dict(row, national=np.nan))
    assert s.judgement == "neutral" and "no national figure" in s
    assert nv.describe_attendance(dict(row, n=3)).judgement == "too_few"


def test_cannot_answer():
    s = selfeval.cannot_answer("Are parents engaged?", "no parents' evening records were supplied", key_area=4)
    assert s.judgement == "no_data" and s.key_area == 4 and "are parents engaged?" in s


# --------------------------------------------------------------------------- self-evaluation
def _se(rating, area=2):
    return pd.DataFrame({"school_id": ["100001", "100001", "100002"], "academic_year": ["2022/23", "2023/24", "2023/24"],
                         "key_area": [area, area, area], "rating": ["Entry", rating, "Entry"],
                         "evidence": ["old", "Termly data reviews", "other school"]})


P = Statement("strength", judgement="positive", key_area=2)
N = Statement("concern", judgement="negative", key_area=2)
Z = Statement("in line", judgement="neutral", key_area=2)
OTHER = Statement("other area", judgement="negative", key_area=3)


@pytest.mark.parametrize(
    "rating, evidence, judgement",
    [
        ("Exemplary", [P], "positive"),
        ("Exemplary", [P, P, N], "negative"),      # any concern challenges Exemplary
        ("Exemplary", [Z, Z], "neutral"),
        ("Developing", [P, N], "positive"),         # as many strengths as concerns
        ("Developing", [P, N, N], "negative"),
        ("Developing", [Z], "neutral"),
        ("Entry", [N], "positive"),
        ("Entry", [P], "negative"),                 # under-rating itself
        ("Entry", [P, N], "positive"),
        ("Entry", [Z], "neutral"),
    ],
)
def test_self_evaluation_rules(rating, evidence, judgement):
    s = selfeval.self_evaluation_summary(2, [evidence, OTHER], self_evaluation=_se(rating), school="100001")
    assert s.judgement == judgement
    assert f"rates itself {rating}" in s and "Termly data reviews" in s  # latest year of that school


def test_self_evaluation_under_rating_is_said():
    s = selfeval.self_evaluation_summary(2, [P], self_evaluation=_se("Entry"), school="100001")
    assert "under-rating" in s and "points higher than its Entry rating" in s


def test_self_evaluation_says_the_direction():
    """Issue 12: "the evidence challenges this rating" did not say in which direction."""
    low = selfeval.self_evaluation_summary(2, [P, N, N], self_evaluation=_se("Developing"), school="100001")
    assert "points lower than its Developing rating" in low and "challenges" not in low
    assert selfeval.self_evaluation_table([P], self_evaluation=_se("Entry"), school="100001").set_index(
        "key_area").loc[2, "verdict"] == "points higher"


def test_evidence_of_another_area_is_not_counted():
    """Statements tagged to key area 2 are not key area 1's evidence (and not dropped from key area 2's)."""
    s1 = selfeval.self_evaluation_summary(1, [Z, Z, Z, Z], self_evaluation=None)
    s2 = selfeval.self_evaluation_summary(2, [Z, Z, Z, Z], self_evaluation=None)
    assert "0 results were in line" in s1 and "4 results were in line" in s2


def test_self_evaluation_without_rating():
    s = selfeval.self_evaluation_summary(2, [Z], self_evaluation=None)
    assert s.judgement == "no_data" and "has not recorded its own rating" in s
    with pytest.raises(ValueError):
        selfeval.self_evaluation_summary(6, [])


def test_self_evaluation_table():
    t = selfeval.self_evaluation_table([P, N, N, OTHER], self_evaluation=_se("Developing"), school="100001")
    assert list(t["key_area"]) == [1, 2, 3, 4, 5]
    row = t.set_index("key_area").loc[2]
    assert (row["strengths"], row["concerns"], row["verdict"]) == (1, 2, "points lower")
    assert t.set_index("key_area").loc[3, "rating"] == "not recorded"


def test_statement_rejects_unknown_judgement():
    with pytest.raises(ValueError):
        Statement("x", judgement="good")


def test_describe_change_direction_and_goodness():
    row = {"outcome": "suspension days", "n_mentees": 12, "estimate": -1.5, "ci_low": -2.5, "ci_high": -0.5}
    s = nv.describe_change(row, label="outcome", higher_is_better=lambda w: w != "suspension days")
    assert s.judgement == "positive" and "fell significantly more" in s
    s = nv.describe_change(dict(row, outcome="attendance %"), label="outcome",
                           higher_is_better=lambda w: w != "suspension days")
    assert s.judgement == "negative"
    assert nv.describe_change(dict(row, ci_high=0.0), label="outcome").judgement == "neutral"
    assert nv.describe_change(dict(row, n_mentees=5), label="outcome").judgement == "too_few"


def test_secondary_suppression_is_not_called_small():
    """A count hidden only so that another cannot be worked out is not "fewer than min_n" (it may be 40)."""
    row = {"outcome": "attainment: maths", "n_mentees": None, "estimate": None, "ci_low": None,
           "ci_high": None, "suppressed": "secondary"}
    s = nv.describe_change(row, label="outcome", min_n=10)
    assert s.judgement == "too_few" and "fewer than" not in s and "cannot be worked out" in s
    # a small group is called small without a number (a "fewer than 10" beside "12 mentees" elsewhere contradicts it)
    assert "too few mentees" in nv.describe_change(dict(row, suppressed="primary"), label="outcome", min_n=10)
    eff = {"programme": "Reading Plus", "estimate": None, "ci_low": None, "ci_high": None, "n": None,
           "n_comparison": None, "suppressed": "secondary"}
    kw = dict(outcome_name="reading", label="programme", min_n=10)
    s = nv.describe_effect(eff, **kw)
    assert "fewer than" not in s and "cannot be worked out" in s and str(s).startswith("Reading Plus")
    assert "fewer than 10 pupils in the programme" in nv.describe_effect(dict(eff, suppressed="primary"), **kw)


# --------------------------------------------------------------------------- key areas 1 and 5
def _cov(n, n_supported, lo=None, hi=None, suppressed=""):
    share = None if n_supported is None else n_supported / n
    return {"group": "Able pupils", "support": "mentoring", "n": n, "n_supported": n_supported,
            "estimate": share, "ci_low": lo, "ci_high": hi, "suppressed": suppressed}


def test_support_sentences_judge_against_one_half():
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(18, 20, method="wilson")
    s = nv.describe_support(_cov(20, 18, lo, hi))
    assert s.judgement == "positive" and "18 of them (90%" in s and "most of them" in s
    lo, hi = proportion_confint(9, 20, method="wilson")
    assert nv.describe_support(_cov(20, 9, lo, hi)).judgement == "neutral"


def test_support_sentences_never_write_a_hidden_count():
    """A hidden count is judged from the bound a reader could assume (Wilson, as statsmodels)."""
    from statsmodels.stats.proportion import proportion_confint

    s = nv.describe_support(_cov(27, None, suppressed="primary"))
    assert "fewer than 6 of them were mentored" in s and s.judgement == "negative"
    assert proportion_confint(5, 27, method="wilson")[1] < 0.5  # even 5 of 27 is clearly under half
    s = nv.describe_support(_cov(8, None, suppressed="primary"), min_n=6)
    assert s.judgement == "neutral" and "not clear" in s  # 5 of 8 could be most of them
    s = nv.describe_support(_cov(40, None, suppressed="secondary"))
    assert "all but fewer than 6" in s and s.judgement == "positive"
    assert nv.describe_support(_cov(4, None)).judgement == "too_few"
    assert not any(ch.isdigit() for ch in str(nv.describe_support(_cov(4, None), min_n=6)).replace("6", ""))


def test_support_hidden_against_another_section_concludes_nothing():
    s = nv.describe_support(_cov(27, None, suppressed="elsewhere"))
    assert s.judgement == "too_few" and "key area 5" in s and not any(ch.isdigit() for ch in
                                                                        str(s).replace("27", "").replace("5", ""))


def test_deployment_sentences():
    row = {"activity": "mentoring", "role": "LSA", "n_staff": 4, "n": 12, "pupils_per_staff": 3.0,
           "estimate": 0.85, "ci_low": 0.79, "ci_high": 0.91, "staff_as_planned": 1.0}
    s = nv.describe_deployment(row)
    assert s.judgement == "positive" and "85% of the planned sessions were held" in s
    assert "4 mentors (LSA) worked with 12 pupils" in s          # mentors may be peers: pupils, not staff
    assert "4 staff (LSA)" in nv.describe_deployment({**row, "activity": "interventions"})
    assert nv.describe_deployment({**row, "staff_as_planned": 0.0}).judgement == "negative"
    hidden = {**row, "n": None, "suppressed": "primary"}
    assert nv.describe_deployment(hidden).judgement == "too_few"
    assert "cannot be worked out" in nv.describe_deployment({**hidden, "suppressed": "secondary"})


def test_school_standing_and_partnerships():
    c = pd.DataFrame({"school_id": ["A", "B"], "n": [80, 4], "va": [1.9, -1.0], "diff_from_trust": [1.5, -1.2],
                      "diff_ci_low": [0.4, -2.5], "diff_ci_high": [2.6, 0.1], "rank": [1, 2], "n_schools": [4, 4]})
    s = nv.describe_school_standing(c, school="A", school_name="Oak", measure_name="maths")
    assert s.judgement == "positive" and "+1.50" in s and "ranked 1 of 4" in s
    assert nv.describe_school_standing(c, school="B", school_name="Elm", measure_name="maths").judgement == "too_few"
    pairs = pd.DataFrame({"mentor_school": ["A", "A"], "mentee_school": ["D", "E"], "estimate": [3.8, 2.0],
                          "ci_low": [1.9, 0.2], "ci_high": [5.7, 3.8], "choice": [1, 2]})
    names = {"A": "Oak", "D": "Elm"}
    assert [x.judgement for x in nv.describe_partnerships(pairs, school="A", names=names, measure_name="maths")] \
        == ["positive"]  # first choices only
    learn = nv.describe_partnerships(pairs, school="D", names=names, measure_name="maths")
    assert learn[0].startswith("Elm could learn from Oak") and learn[0].judgement == "neutral"
    assert nv.describe_partnerships(pairs, school="Z", names=names, measure_name="maths") == []


def test_support_sentence_never_contradicts_its_count():
    """Issue 13: "fewer than 6 of 17 were mentored ... not clear whether most or fewer than half" is impossible."""
    for n in range(11, 40):
        s = nv.describe_support(_cov(n, None, suppressed="primary"))
        assert "not clear whether most or fewer than half" not in s and "fewer than half of them" in s, n
    lo, hi = 0.25, 0.65
    s = nv.describe_support(_cov(20, 9, lo, hi))
    assert "fewer than half of them" in s and s.judgement == "neutral"
