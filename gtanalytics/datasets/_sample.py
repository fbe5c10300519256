"""A synthetic multi-academy trust (and a national-size cohort) with planted patterns.

No row describes a real pupil. Every test, notebook and benchmark uses this sample,
so the patterns the metrics must find are put in on purpose and documented in
:data:`PLANTED` and in ``data/sample/README.md``.

The model, in short: each pupil has a latent reading and a latent maths ability
(in national standard-deviation units) that changes every term by a random amount
plus a school effect, a teacher effect, the planted effects (disadvantage-gap
trends, under-achievement drift, mentoring, intervention programmes) and is
measured with error by termly standardised tests (mean 100, SD 15) and by the
statutory assessments (KS1, KS2, GCSE / Attainment 8). Everything is vectorised
with numpy: the only Python loops run over terms, programmes and tables, never
over pupils. This module holds the public API, the planted parameters and the
attainment model (classes, teachers, latent abilities term by term, termly tests);
:mod:`gtanalytics.datasets` makes the schools, enrolment spells, pupil
characteristics and UPNs, and :mod:`gtanalytics.datasets` the statutory results
and the other tables (interventions, mentoring, attendance, ...).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import tempfile

import numpy as np
import pandas as pd

from gtanalytics.datasets._tables import academic_year_label, iso_date, pupil_names, statutory_age, yes_no, other_tables
from gtanalytics.datasets._trust import enrol, trust_schools, pupil_traits
from gtanalytics.data import make_upns
from gtanalytics.data.schemas import TABLES, TERMS

__all__ = ["PLANTED", "generate", "generate_national", "planted_truth", "write_sample", "load_sample"]

POINTS = 13.5   # standardised-score points per latent SD (latent SD ~1.05, so observed SD ~15)
ERR = 5.0       # measurement error SD of one standardised test, in points
SD15 = 15.0     # the national SD that effect sizes in PLANTED refer to
TERM_SD = 0.115  # SD of a term's random change in latent ability (about 0.2 a year)
PRIMARY_SIZE, SECONDARY_SIZE = 50, 155

#: (name, subject, measure, year groups, term index, pupils per school per year, true effect in SD of 15,
#:  cost per pupil, weeks at three sessions a week)
PROGRAMMES = (
    ("Catch-up Literacy", "reading", "standardised", (3, 8), 1, 8, 0.40, 210.0, 6),
    ("Number Sense", "maths", "standardised", (2, 6), 2, 12, 0.15, 160.0, 6),
    ("Precision Reading", "reading", "age_months", (2, 7), 2, 8, 0.25, 120.0, 10),
    ("Maths Booster", "maths", "standardised", (7, 9), 1, 14, 0.00, 95.0, 6),
)

#: The planted patterns of the default sample (``generate()`` with its defaults; seed 2024).
#: Effects are in SDs of the national scale (15 standardised-score points) unless a key says otherwise.
PLANTED: dict = {
    "seed": 2024,
    "schools": {"primary": ["8862101", "8872101"], "secondary": ["8884101", "8894101"]},
    "school_effect_sd_per_year": {"8862101": 0.12, "8872101": -0.08, "8884101": -0.10, "8894101": 0.10},
    "teacher_effect_sd_per_year": 0.15,
    "disadvantage_gap": {
        "narrowing": {"school_id": "8862101", "change_sd_per_year": 0.30, "from": "2022/23",
                      "what": "from 2022/23 disadvantaged pupils gain 0.30 SD a year relative to others"},
        "widening": {"school_id": "8884101", "change_sd_per_year": -0.30, "from": "2022/23",
                     "what": "from 2022/23 disadvantaged pupils lose 0.30 SD a year relative to others"},
        "baseline_gap_sd": 0.45,
    },
    "register": {
        "share_gifted": 0.09, "share_talented": 0.03,
        "selection_penalty_sd": {"disadvantaged": 0.55, "lac": 0.9, "BCRB": 0.7, "WROM": 0.7, "WIRT": 0.7},
        "dual_exceptionality": {"n": 12, "sen": "K for 10, E for 2",
                                "what": "high-ability pupils with SEN on the register"},
    },
    "underachievers": {"prior": "latent ability >= 0.9 SD (about the top fifth) in 2021/22, then in year groups 2-10",
                       "share_of_high_prior": "25% of those on the register, 12% of the others",
                       "drift_sd_per_year": -0.45},
    "mentoring": {"years": ["2022/23", "2023/24"],
                  "who": "chosen each September as schools choose them, from OBSERVED scores: pupils on the "
                         "register (Years 2-10) whose latest termly test (mean of reading and maths, the Summer "
                         "before) is in the lowest third of the register pupils of their school; 75% of those "
                         "at random (a fixed draw per pupil) are mentored",
                  "when": "Autumn and Spring terms (mid-September to late March); the next test is the Summer one",
                  "mentees_per_mentor": 3, "attainment_effect_sd": 0.30, "attainment_effect_points": 0.30 * POINTS,
                  "absence_multiplier": 0.75,
                  "units": "attainment_effect_sd: latent ability SD added over the two mentoring terms (half in "
                           "each), so 0.30 x POINTS = 4.05 standardised-score points on every termly test from the "
                           "Spring one on (both subjects); not the observed SD of 15 that effect_sd of the "
                           "interventions refers to. absence_multiplier applies in the two mentoring terms"},
    "interventions": {p[0]: {"subject": p[1], "measure": p[2], "year_groups": list(range(p[3][0], p[3][1] + 1)),
                             "term": TERMS[p[4]], "weeks": p[8], "sessions": 3 * p[8],
                             "half_term": ("Spring 1" if p[4] == 1 else "Summer 1") + ("" if p[8] == 6 else "-2"),
                             "pupils_per_school_per_year": p[5], "effect_sd": p[6], "effect_points": p[6] * SD15,
                             "cost_per_pupil": p[7], "selection": "low pre-score",
                             "pre_score": "the previous termly test in the subject (a reading age from it for "
                                          "age_months); chosen at random among pupils scoring 75-90"}
                      for p in PROGRAMMES},
    "attendance": {"possible_sessions": {"Autumn": 140, "Spring": 126, "Summer": 114},
                   "absence_rate_multiplier": {"disadvantaged": 1.65, "secondary": 1.3, "sen_K": 1.35, "sen_E": 1.6}},
    "exclusions": {"suspension_rate_multiplier_disadvantaged": 2.7},
    "enrichment": {"odds_ratio_disadvantaged": 0.55},
    "parents_evenings": {"log_odds_disadvantaged": -0.8, "log_odds_eal": -0.3, "log_odds_register": 0.4},
    "surveys": {"register_pupils_challenge_shift": -0.5, "scale": [1, 5]},
}

_ETH_ABILITY = dict(CHNE=0.3, AIND=0.25, BCRB=-0.15, MWBC=-0.1, WROM=-0.6, WIRT=-0.5, BAFR=0.05)


def _test_date(s, term) -> np.ndarray:
    """The date of the termly test (a school day in December, March or June) of each academic year and term."""
    u, inv = np.unique(np.asarray(s) * 3 + np.asarray(term), return_inverse=True)
    days = [np.datetime64(f"{y + (t > 0)}{['-12-05', '-03-20', '-06-25'][t]}") for y, t in zip(u // 3, u % 3)]
    return np.busday_offset(np.array(days, dtype="datetime64[D]"), 0, roll="forward")[inv]


def _simulate(seed, n_primary, n_secondary, years, sizes, scale, national=False, only_year=None,
              termly=True):
    """Run the whole model once; return (tables, truth)."""
    rng = np.random.default_rng(seed)
    years = [str(y) for y in years]
    s0, K = int(years[0][:4]), len(years)
    if years != list(academic_year_label(np.arange(s0, s0 + K))):
        raise ValueError(f"years must be consecutive academic years written like '2023/24', not {years}")
    sch = trust_schools(n_primary, n_secondary, sizes, rng, national, only_year)
    sp = enrol(rng, sch, K, s0)
    prim_s = (sch["phase"] == "primary").to_numpy()
    # ---- one record per pupil -------------------------------------------------------------
    fs = sp.drop_duplicates("pid")
    N, c, sch0, first0 = len(fs), fs["c"].to_numpy(), fs["school"].to_numpy(), fs["first"].to_numpy()
    tr = pupil_traits(rng, N, sch["disadv_rate"].to_numpy()[sch0])
    born = (np.char.add((c - 5).astype("U4"), "-09-01").astype("datetime64[D]")
            + rng.integers(0, 365, N).astype("timedelta64[D]"))
    agepos = (born - np.char.add((c - 5).astype("U4"), "-09-01").astype("datetime64[D]")).astype(int) / 365
    yg0 = s0 + first0 - c
    eth_eff = pd.Series(tr["eth"]).map(_ETH_ABILITY).fillna(0).to_numpy()
    mu = (0.2 - 0.45 * tr["dis"] - 0.6 * (tr["sen"] == "K") - 1.3 * (tr["sen"] == "E") + eth_eff - 0.25 * tr["lac"]
          - 0.1 * tr["plac"] - 0.3 * (agepos - 0.5) * np.maximum(0, 1 - yg0 / 8))
    g = rng.normal(0, 1, N)
    th_r0 = mu - 0.25 * tr["eal"] + 0.87 * g + 0.5 * rng.normal(0, 1, N)
    th_m0 = mu - 0.05 * tr["eal"] + 0.87 * g + 0.5 * rng.normal(0, 1, N)
    gen = (th_r0 + th_m0) / 2
    # dual or multiple exceptionality: able pupils who also have SEN
    able = np.flatnonzero((gen >= 1.0) & (tr["sen"] == "N") & (yg0 >= 2))
    twice = rng.choice(able, min(len(able), max(1, round(12 * scale)) if not national else len(able) // 50),
                       replace=False)
    tr["sen"][twice] = np.where(np.arange(len(twice)) % 6 == 5, "E", "K")
    under = np.isin(tr["eth"], ["BCRB", "WROM", "WIRT"])
    score = (gen + rng.normal(0, 0.45, N) - 0.55 * tr["dis"] - 0.9 * tr["lac"] - 0.7 * under
             - 0.2 * (tr["sen"] != "N"))
    pct = pd.Series(score).groupby(sch0).rank(pct=True).to_numpy()
    gifted = pct > 0.91
    gifted[twice] = True
    tal_score = rng.normal(0, 1, N) - 0.55 * tr["dis"] - 0.9 * tr["lac"] - 0.7 * under
    talented = ~gifted & (pd.Series(tal_score).groupby(sch0).rank(pct=True).to_numpy() > 0.97)
    register = gifted | talented
    area = np.where(th_m0 > th_r0 + 0.3, "maths", np.where(th_r0 > th_m0 + 0.3, "english", "english;maths"))
    arts = np.array(["music", "sport", "art", "drama", "music;drama", "sport"])[rng.integers(0, 6, N)]
    area = np.where(gifted, area, np.where(talented, arts, ""))
    ua = (gen >= 0.9) & (yg0 >= 2) & (yg0 <= 10) & (first0 == 0) & (rng.random(N) < np.where(register, 0.25, 0.12))
    mentor_draw = rng.random(N)   # each pupil's chance draw for a mentoring place when eligible
    upn_group = np.where((yg0 == 0) & ~fs["joiner"].to_numpy(), 0, np.where(first0 == 0, 1, 2))
    ext = rng.integers(0, 40, N)
    la = sch["la"].to_numpy()[sch0]
    est = np.where((upn_group < 2) & prim_s[sch0], sch["est"].to_numpy()[sch0], 3001 + ext)
    yr = np.where(upn_group == 0, s0 + first0, c)
    serial = pd.DataFrame({"a": la, "b": est, "y": yr}).groupby(["a", "b", "y"]).cumcount().to_numpy() + 1
    if serial.max() > 999:
        raise ValueError("too many pupils per school and year for 3-digit UPN serials; use more schools")
    upn = make_upns(la, est, yr, serial).astype(object)   # shared strings: every table indexes into them
    fore, sur = pupil_names(rng, tr["male"], tr["eth"])
    # ---- one row per pupil per year ---------------------------------------------------------
    nyr = (sp["last"] - sp["first"] + 1).to_numpy()
    si = np.repeat(np.arange(len(sp)), nyr)
    k = sp["first"].to_numpy()[si] + np.arange(nyr.sum()) - np.repeat(np.cumsum(nyr) - nyr, nyr)
    pid, school = sp["pid"].to_numpy()[si], sp["school"].to_numpy()[si]
    yg = s0 + k - c[pid]
    prim = prim_s[school]
    size = sch["size"].to_numpy()[school]
    ngrp = np.maximum(1, np.ceil(size / np.where(prim, 30, 25)).astype(int))
    letter = rng.integers(0, 1 << 30, len(sp))[si] % ngrp
    mset = (pd.Series(th_m0[pid] + rng.normal(0, 0.3, len(pid))).groupby([school, k, yg])
            .rank(ascending=False, pct=True).to_numpy() * ngrp - 1e-9).astype(int)
    yl = np.where(yg == 0, "R", yg.astype("U2"))
    suffix = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))[letter % 24]   # 7A ... 7Z, then 7A2 ... (big schools)
    cls = np.char.add(yl, np.where(letter < 24, suffix, np.char.add(suffix, (letter // 24 + 1).astype("U3"))))
    tg_r = np.where(prim, cls, np.char.add(cls, "/En"))
    tg_m = np.where(prim, cls, np.char.add(np.char.add(yl, "/Ma"), (mset + 1).astype("U2")))
    ndept = np.ceil(ngrp * 5 / 3).astype(int)
    key_r = np.where(prim, (school * 20 + yg) * 1000 + letter, -((school * 4 + 1) * 100 + (yg * ngrp + letter) % ndept))
    key_m = np.where(prim, key_r, -((school * 4 + 2) * 100 + (yg * ngrp + mset) % ndept))
    tkeys, tinv = np.unique(np.r_[key_r, key_m], return_inverse=True)
    teff = rng.normal(0, PLANTED["teacher_effect_sd_per_year"], len(tkeys))
    tnum = (rng.integers(0, 17576) + np.arange(len(tkeys)) * 7919) % 17576
    tcode = np.array(list("ABCDEFGHJKLMNPRSTW"))
    tcodes = np.char.add(np.char.add(tcode[tnum // 324 % 18], tcode[tnum // 18 % 18]), tcode[tnum % 18])
    ti_r, ti_m = tinv[: len(key_r)], tinv[len(key_r):]
    tsch = np.zeros(len(tkeys), int)
    tsch[ti_r], tsch[ti_m] = school, school
    # ---- terms: latent abilities, termly tests, interventions ---------------------------------
    gap = np.zeros(len(sch))
    if not national and n_primary >= 1 and n_secondary >= 1:
        gap[0] = PLANTED["disadvantage_gap"]["narrowing"]["change_sd_per_year"]
        gap[n_primary] = PLANTED["disadvantage_gap"]["widening"]["change_sd_per_year"]
    drift = (sch["effect"].to_numpy()[school] + gap[school] * tr["dis"][pid] * (k >= 1)
             + PLANTED["underachievers"]["drift_sd_per_year"] * ua[pid])
    ctx = dict(rng=rng, sch=sch, ids=sch["school_id"].to_numpy(), s0=s0, K=K, pid=pid, k=k, yg=yg, school=school,
               prim=prim, upn=upn, tr=tr, register=register, ua=ua, mentor_draw=mentor_draw, born=born, gen=gen,
               s_row=s0 + k, school_ord=np.argsort(np.argsort(sch["school_id"].to_numpy())), planted=PLANTED,
               points=POINTS, err=ERR)
    T, term, end, sc, ctx["progs"], mentee_row = _terms(ctx, drift, teff[ti_r], teff[ti_m], (th_r0, th_m0),
                                                        national, scale)
    ctx.update(T=T, term=term, mentee_row=mentee_row)
    # ---- assessments: termly tests, then statutory results (this year's, then earlier ones) ----
    s_row = ctx["s_row"]
    frames = []
    assess_name = {("reading", True): "PiRA", ("maths", True): "PUMA", ("reading", False): "NGRT",
                   ("maths", False): "PTM"}
    m = np.flatnonzero(yg[T] >= 1) if termly else np.arange(0)
    for s_, tg, ti in (("reading", tg_r, ti_r), ("maths", tg_m, ti_m)):
        frames.append(pd.DataFrame({
            "upn": upn[pid[T[m]]], "academic_year": academic_year_label(s_row[T[m]]), "term": np.array(TERMS)[term[m]],
            "date": iso_date(_test_date(s_row[T[m]], term[m])), "subject": s_,
            "assessment": np.where(prim[T[m]], assess_name[(s_, True)], assess_name[(s_, False)]),
            "score_type": "standardised", "score": sc[s_][m], "result": "", "teaching_group": tg[T[m]],
            "teacher": tcodes[ti[T[m]]]}))
    rs = T[term == 2]
    ok = np.where(prim[rs], np.isin(yg[rs], [2, 6]), yg[rs] == 11)
    rs, summer = rs[ok], np.flatnonzero(term == 2)[ok]
    rows = dict(upn=upn[pid[rs]], s=s_row[rs], yg=yg[rs], tg_r=tg_r[rs], tg_m=tg_m[rs], t_r=tcodes[ti_r[rs]],
                t_m=tcodes[ti_m[rs]])
    frames += statutory_age(rng, rows, end["reading"][summer], end["maths"][summer])
    del end, sc, rows
    past_yg = np.where(prim_s[sch0], np.where(yg0 >= 3, 2, -1), np.where(yg0 >= 7, 6, -1))
    pp = np.flatnonzero(past_yg >= 0)
    back = np.sqrt(np.maximum(0, 3 * (yg0[pp] - past_yg[pp]) - 2) + 0.5) * TERM_SD
    rows = dict(upn=upn[pp], s=c[pp] + past_yg[pp], yg=past_yg[pp])
    frames += statutory_age(rng, rows, th_r0[pp] - rng.normal(0, 1, len(pp)) * back,
                         th_m0[pp] - rng.normal(0, 1, len(pp)) * back)
    # empty frames are left out: their object columns would turn every string column to object
    assessments = pd.concat([f for f in frames if len(f)], ignore_index=True)
    del frames
    # ---- pupils ----------------------------------------------------------------------------
    on_register = register[pid] & (yg >= 1)
    pupils = pd.DataFrame({
        "upn": upn[pid], "academic_year": academic_year_label(s_row), "school_id": ctx["ids"][school],
        "year_group": yg, "forename": fore[pid], "surname": sur[pid], "date_of_birth": iso_date(born[pid]),
        "sex": np.where(tr["male"][pid], "M", "F"), "class_name": cls, "fsm": yes_no(tr["fsm"][pid]),
        "ever6_fsm": yes_no(tr["ever6"][pid]), "lac": yes_no(tr["lac"][pid]), "plac": yes_no(tr["plac"][pid]),
        "disadvantaged": yes_no(tr["dis"][pid]), "sen": tr["sen"][pid], "eal": yes_no(tr["eal"][pid]),
        "ethnicity": tr["eth"][pid], "gt_register": yes_no(on_register), "gt_area": np.where(on_register, area[pid], "")})
    schools = sch.assign(la_code=sch["la"].astype(str), country="England")[
        ["school_id", "school_name", "phase", "la_code", "country"]]
    tables = {"schools": schools, "pupils": pupils, "assessments": assessments}
    ids = ctx["ids"]
    truth = {
        "school_effects": pd.DataFrame({"school_id": sch["school_id"], "effect_sd_per_year": sch["effect"],
                                        "gap_change_sd_per_year": gap}),
        "teacher_effects": pd.DataFrame({"school_id": ids[tsch], "teacher": tcodes, "effect_sd_per_year": teff}),
        "underachievers": pd.DataFrame({"upn": upn[ua], "school_id": ids[sch0[ua]],
                                        "gt_register": register[ua],
                                        "mentored": np.isin(np.flatnonzero(ua), pid[mentee_row])}),
        "dual_exceptionality": pd.DataFrame({"upn": upn[twice], "sen": tr["sen"][twice]}),
    }
    if not national:
        tables.update(other_tables(ctx))
        truth["intervention_pupils"] = ctx["intervention_truth"]
    return tables, truth


def _terms(ctx, drift, teff_r, teff_m, th0, national, scale):
    """Latent abilities term by term, the termly tests, and the pupils each programme takes.

    Every pupil-year row has three term records (``T`` its row, ``term`` 0-2; record ``3 * row +
    term``). In each term (in time order) the programmes of that term pick, per school, pupils who
    scored 75-90 on the latest termly test, and their latent gain that term carries the programme's
    effect; each Autumn from the second year schools pick mentees (see ``PLANTED["mentoring"]``)
    from the latest scores, and their latent gains in Autumn and Spring carry the mentoring
    effect; then every pupil's latent ability moves on and is tested. Returns ``T, term``, the
    latent abilities at the end of each term record and the termly scores (dicts by subject), the
    programme groups and which pupil-year rows were mentored.
    """
    rng, pid, k, yg, school, born, s0 = (ctx[x] for x in ("rng", "pid", "k", "yg", "school", "born", "s0"))
    T = np.repeat(np.arange(len(pid)), 3)
    term = np.tile(np.arange(3), len(pid))
    tt = 3 * k[T] + term
    common = drift[T] / 3
    inc = {"reading": common + teff_r[T] / 3 + rng.normal(0, TERM_SD, len(T)),
           "maths": common + teff_m[T] / 3 + rng.normal(0, TERM_SD, len(T))}
    del common
    th = {"reading": th0[0].copy(), "maths": th0[1].copy()}
    end = {s_: np.empty(len(T)) for s_ in th}
    sc = {s_: np.empty(len(T)) for s_ in th}
    last = {s_: np.full(len(th0[0]), np.nan) for s_ in th}
    last_t = {s_: np.full(len(th0[0]), -9) for s_ in th}
    order = np.argsort(tt, kind="stable")
    bounds = np.searchsorted(tt[order], np.arange(3 * ctx["K"] + 1))
    progs = []
    mentee_row = np.zeros(len(pid), dtype=bool)
    ment = PLANTED["mentoring"]
    for t in range(3 * ctx["K"]):
        idx = order[bounds[t]:bounds[t + 1]]
        p_, s_yr = pid[T[idx]], s0 + t // 3
        if t % 3 == 0 and t >= 3 and not national:
            # mentees: register pupils (Years 2-10) whose latest score is in the lowest third of the school's
            # register pupils, 75% of them (selection on an observed, noisy score, as schools do)
            latest = (last["reading"][p_] + last["maths"][p_]) / 2
            able = (ctx["register"][p_] & (yg[T[idx]] >= 2) & (yg[T[idx]] <= 10) & (last_t["reading"][p_] == t - 1)
                    & (last_t["maths"][p_] == t - 1))
            low = (pd.Series(np.where(able, latest, np.nan)).groupby(school[T[idx]]).rank(pct=True)
                   .to_numpy() <= 1 / 3)
            rows_ = T[idx[able & low & (ctx["mentor_draw"][p_] < 0.75)]]
            mentee_row[rows_] = True
            for s_ in inc:
                inc[s_][3 * rows_] += ment["attainment_effect_sd"] / 2
                inc[s_][3 * rows_ + 1] += ment["attainment_effect_sd"] / 2
        for pi, programme in enumerate(PROGRAMMES):
            name, subj, measure, (ylo, yhi), term_i, cap, eff, cost, weeks = programme
            if national or term_i != t % 3:
                continue
            cand = idx[(yg[T[idx]] >= ylo) & (yg[T[idx]] <= yhi)]
            cp = pid[T[cand]]
            start = np.busday_offset(np.datetime64(f"{s_yr + 1}-{'01-04' if term_i == 1 else '04-15'}"), 0,
                                     roll="forward", weekmask="Mon")
            stop = start + np.timedelta64(7 * weeks - 3, "D")
            age_s = ((start - born[cp]).astype(int) / 30.4375)
            # pupils are chosen for a low score on the latest termly test (selection on an observed,
            # noisy measure: raw pre/post gains carry regression to the mean)
            prev = last[subj][cp]
            low = (last_t[subj][cp] == t - 1) & (prev >= 75) & (prev <= 90)
            if measure == "standardised":
                pre = prev
            else:  # the reading age the same test reports
                pre = np.round(age_s + 0.15 * age_s * (prev - 100) / POINTS)
            cap_n = max(1, int(round(cap * scale)))
            rank = (pd.Series(np.where(low, rng.random(len(cp)), np.inf))
                    .groupby(school[T[cand]]).rank(method="first").to_numpy())
            pick = low & (rank <= cap_n)
            rows_ = cand[pick]
            eff_theta = eff * SD15 / POINTS
            progs.append(dict(pi=pi, programme=programme, rows=rows_, pre=pre[pick], start=start, stop=stop,
                              rank=rank[pick], th_start=th[subj][pid[T[rows_]]].copy(),
                              base=inc[subj][rows_].copy(), eff=eff_theta, frac=weeks / 12))
            inc[subj][rows_] += eff_theta
        for s_ in th:
            th[s_][p_] += inc[s_][idx]
            end[s_][idx] = th[s_][p_]
            sc[s_][idx] = np.clip(np.round(100 + POINTS * th[s_][p_] + rng.normal(0, ERR, len(idx))), 69, 141)
            last[s_][p_], last_t[s_][p_] = sc[s_][idx], t
    return T, term, end, sc, progs, mentee_row


def _sizes(n_primary, n_secondary, pupils_per_year_group, scale):
    ppy = pupils_per_year_group
    if ppy is None:
        ppy = {"primary": PRIMARY_SIZE, "secondary": SECONDARY_SIZE}
    elif np.isscalar(ppy):
        ppy = {"primary": ppy, "secondary": ppy}
    return np.r_[np.full(n_primary, ppy["primary"] * scale), np.full(n_secondary, ppy["secondary"] * scale)]


def _tidy(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Canonical column order, rows sorted on the key, clean dtypes: the frames written to CSV."""
    out = {}
    for name, spec in TABLES.items():
        df = tables[name][[c.name for c in spec.columns]]
        key = list(spec.key) or [c.name for c in spec.columns]
        df = df.sort_values(key, kind="stable").reset_index(drop=True)
        for c in spec.columns:
            if c.dtype == "int":
                df[c.name] = df[c.name].astype("int64")
            elif c.dtype == "float":
                df[c.name] = df[c.name].astype("float64")
            else:
                col = df[c.name].astype("str")
                df[c.name] = col.mask(col == "")
        out[name] = df
    return out


def generate(*, seed: int = 2024, n_primary: int = 2, n_secondary: int = 2,
             years=("2021/22", "2022/23", "2023/24"), pupils_per_year_group=None,
             scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Generate the synthetic trust: every canonical table, file-ready.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives identical frames.
    n_primary, n_secondary : int
        Number of primary (Reception-Y6) and secondary (Y7-Y11) schools; at least 1 each.
    years : sequence of str
        Consecutive academic years, e.g. ``("2021/22", "2022/23", "2023/24")``.
    pupils_per_year_group : int or dict, optional
        Pupils per year group per school; a dict may give ``{"primary": 45, "secondary": 150}``
        (the default).
    scale : float
        Multiplies school sizes and intervention group sizes (``scale=10`` makes a trust ten
        times as big).

    Returns
    -------
    dict of str to pandas.DataFrame
        One frame per table of :data:`gtanalytics.data.schemas.TABLES` (``schools, pupils, assessments,
        interventions, mentoring, enrichment, attendance, exclusions, parents_evenings, surveys,
        self_evaluation``) with exactly the canonical columns in canonical order, values as they
        appear in a file: ``academic_year`` like ``"2023/24"``, flags ``"Y"``/``"N"``, dates ISO
        text, missing text as ``<NA>``; rows sorted on the table key. The planted patterns are
        described in :data:`PLANTED`; the per-pupil and per-teacher truths are in
        :func:`planted_truth`.

    Examples
    --------
    >>> from gtanalytics.datasets import generate
    >>> tables = generate(scale=0.2)
    >>> sorted(tables)[:3]
    ['assessments', 'attendance', 'enrichment']
    """
    return _run(seed, n_primary, n_secondary, years, pupils_per_year_group, scale)[0]


def planted_truth(*, seed: int = 2024, n_primary: int = 2, n_secondary: int = 2,
                  years=("2021/22", "2022/23", "2023/24"), pupils_per_year_group=None,
                  scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """The unit-level truths behind :func:`generate` with the same arguments.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``school_effects`` (school_id, effect_sd_per_year, gap_change_sd_per_year);
        ``teacher_effects`` (school_id, teacher, effect_sd_per_year: the random intercept in
        progress, SD units a year); ``underachievers`` (upn, school_id, gt_register, mentored: the
        high-prior-attaining pupils given a drift of ``PLANTED["underachievers"]["drift_sd_per_year"]``);
        ``dual_exceptionality`` (upn, sen); ``intervention_pupils`` (programme, upn, academic_year,
        term of the next termly test that carries the effect, effect_sd).

    Examples
    --------
    >>> from gtanalytics.datasets import planted_truth
    >>> sorted(planted_truth(scale=0.2))[:2]
    ['dual_exceptionality', 'intervention_pupils']
    """
    return _run(seed, n_primary, n_secondary, years, pupils_per_year_group, scale)[1]


def _run(seed, n_primary, n_secondary, years, ppy, scale):
    if n_primary < 1 or n_secondary < 1:
        raise ValueError("the sample needs at least one primary and one secondary school")
    tables, truth = _simulate(seed, n_primary, n_secondary, years, _sizes(n_primary, n_secondary, ppy, scale),
                              scale)
    return _tidy(tables), truth


def generate_national(n_pupils: int = 650_000, n_schools: int = 16_000, *, seed: int = 2024,
                      key_stage: int = 2, academic_year: str = "2023/24",
                      termly: bool = False) -> dict[str, pd.DataFrame]:
    """A national-size cohort for benchmarks: one year group in many schools.

    The same model as :func:`generate` (traits, latent abilities, school and teacher effects,
    statutory assessments), for the Year 6 cohort (``key_stage=2``: KS1 from four years earlier and
    KS2) or the Year 11 cohort (``key_stage=4``: KS2 from five years earlier and KS4).

    Parameters
    ----------
    n_pupils, n_schools : int
        Approximate pupils (school sizes are Poisson around ``n_pupils / n_schools``) and schools.
    seed : int
        Random seed.
    key_stage : {2, 4}
        Which cohort.
    academic_year : str
        The year of the cohort, e.g. ``"2023/24"``.
    termly : bool
        Also return the three termly standardised tests (reading, maths) of the year.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``schools``, ``pupils`` and ``assessments`` with the canonical columns.

    Examples
    --------
    >>> from gtanalytics.datasets import generate_national
    >>> nat = generate_national(5_000, 120, seed=1)
    >>> nat["pupils"]["year_group"].unique().tolist()
    [6]
    """
    if key_stage not in (2, 4):
        raise ValueError(f"key_stage must be 2 or 4, not {key_stage!r}")
    yg = 6 if key_stage == 2 else 11
    sizes = np.full(n_schools, n_pupils / n_schools)
    prim = n_schools if key_stage == 2 else 0
    tables, _ = _simulate(seed, prim, n_schools - prim, (academic_year,), sizes, 1.0, national=True,
                          only_year=yg, termly=termly)
    for name in ("schools", "pupils", "assessments"):
        spec = TABLES[name]
        df = tables[name][[c.name for c in spec.columns]].reset_index(drop=True)
        for c in spec.columns:
            if c.dtype in ("str", "date", "bool"):
                df[c.name] = df[c.name].astype("str")
        tables[name] = df
    return {n: tables[n] for n in ("schools", "pupils", "assessments")}


def write_sample(folder, *, seed: int = 2024, **kwargs) -> list[pathlib.Path]:
    """Write one CSV per table (``pupils.csv``, ``assessments.csv``, ...) into ``folder``.

    The output is deterministic: the same arguments give byte-identical files (rows sorted on
    the table key, numbers written with ``%.10g``, ``\\n`` line ends, UTF-8).

    Parameters
    ----------
    folder : str or path
        Created if missing; existing CSVs of the same names are overwritten.
    seed : int
        Random seed; further keyword arguments go to :func:`generate`.

    Returns
    -------
    list of pathlib.Path
        The files written, in table order.

    Examples
    --------
    >>> import tempfile
    >>> from gtanalytics.datasets import write_sample
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_sample(folder, scale=0.2)
    ...     print(paths[1].name)
    pupils.csv
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in generate(seed=seed, **kwargs).items():
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False, float_format="%.10g", lineterminator="\n", encoding="utf-8")
        paths.append(path)
    return paths


def load_sample():
    """Load the bundled synthetic sample as a :class:`gtanalytics.data.SchoolData`.

    Uses ``data/sample/`` of the repository when the package runs from a checkout; otherwise
    (an installed package) writes the sample once to a cache folder (``$GTANALYTICS_CACHE`` or the
    system temporary folder) and loads that.  The files are read once per process (again if one
    changes); each call returns its own copy, so changing one copy's tables leaves the next call's alone.

    Returns
    -------
    gtanalytics.data.SchoolData
        Every table of the sample, with ``.quality`` listing any problem found on loading.

    Examples
    --------
    >>> from gtanalytics.datasets import load_sample
    >>> data = load_sample()
    >>> data.pupils["academic_year"].nunique()
    3
    """
    from gtanalytics.data import load

    here = pathlib.Path(__file__).resolve().parents[2] / "data" / "sample"
    if not (here / "pupils.csv").exists():
        here = pathlib.Path(os.environ.get("GTANALYTICS_CACHE", tempfile.gettempdir())) / "gtanalytics-sample-2024"
        if not (here / "self_evaluation.csv").exists():
            write_sample(here, seed=PLANTED["seed"])
    stamp = (str(here), max((f.stat().st_mtime_ns for f in here.iterdir() if f.is_file()), default=0))
    if _LOADED.get("stamp") != stamp:
        _LOADED.update(stamp=stamp, data=load(here))
    data = _LOADED["data"]
    return dataclasses.replace(data, **{f.name: getattr(data, f.name).copy() for f in dataclasses.fields(data)})


#: The sample as last read by :func:`load_sample`, with the folder and newest file time it was read at.
_LOADED: dict = {}
