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
over pupils.
"""

from __future__ import annotations

import os
import pathlib
import tempfile

import numpy as np
import pandas as pd

from gtanalytics.schemas import TABLES
from gtanalytics.upn import CHECK_ALPHABET

__all__ = ["PLANTED", "generate", "generate_national", "planted_truth", "write_sample", "load_sample"]

TERMS = ("Autumn", "Spring", "Summer")
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
    "mentoring": {"years": ["2022/23", "2023/24"], "who": "under-achievers on the register (75% of them)",
                  "mentees_per_mentor": 3, "attainment_effect_sd_per_year": 0.25, "absence_multiplier": 0.75},
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

_ETH = np.array(["WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
                 "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"])
_ETH_P = np.array([60, .5, .4, 7, 1, 2, .9, 1.2, 2, 3, 4, 1.5, 1.5, 2, 4.5, .8, .6, 1.8, .5, .8])
_ETH_ABILITY = dict(CHNE=0.3, AIND=0.25, BCRB=-0.15, MWBC=-0.1, WROM=-0.6, WIRT=-0.5, BAFR=0.05)
_ETH_DISADV = dict(WROM=1.5, WIRT=1.5, BCRB=0.7, MWBC=0.7, APKN=0.4, ABAN=0.5, BAFR=0.4, BOTH=0.5,
                   CHNE=-0.6, AIND=-0.6)
_ETH_EAL = dict(WBRI=.01, WIRI=.05, WIRT=.05, WOTH=.7, WROM=.6, CHNE=.7, OOTH=.7, BCRB=.03, BAFR=.5, BOTH=.5,
                AIND=.55, APKN=.6, ABAN=.65, AOTH=.6)
_NAMES = {  # (girls, boys, surnames): small, diverse, invented combinations
    "wb": ("Olivia Amelia Isla Ava Mia Ivy Lily Grace Freya Sophie Ella Evie Poppy Emily Ruby",
           "Oliver George Harry Noah Jack Leo Arthur Oscar Charlie Jacob Thomas Alfie Freddie Archie Henry",
           "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker Hall Wood"),
    "ir": ("Aoife Siobhan Niamh Bridget Mary Roisin", "Sean Patrick Ciaran Michael Lee Johnny",
           "Murphy O'Brien Kelly Connors Doherty Ward Lee Boswell Price"),
    "wo": ("Zuzanna Maja Lena Emilia Sofia Ioana Daria", "Jakub Antoni Filip Mateusz Andrei Luca Tomas",
           "Nowak Kowalski Popescu Horvath Silva Rossi Kaminski Ivanova"),
    "as": ("Aisha Zara Maryam Amira Fatima Anaya Priya Simran Ayesha Noor Inaya",
           "Muhammad Ibrahim Yusuf Ali Zayn Arjun Rohan Hamza Aarav Ayaan Omar",
           "Khan Ahmed Hussain Ali Begum Patel Shah Singh Kaur Rahman Islam Chowdhury Sharma"),
    "bl": ("Amara Zainab Adaeze Chloe Abigail Nia Imani Esther Precious", "Daniel Samuel Joshua Tobi Kofi Malachi "
           "Isaac David Emmanuel", "Okafor Mensah Adeyemi Campbell Osei Mohamed Clarke Boateng Hassan"),
    "ch": ("Mei Xin Yu Chloe Jia", "Wei Jun Hao Ethan Ming", "Chen Wang Li Zhang Liu Wong Lin"),
}
_NAMES["mx"] = tuple(" ".join(v[i] for v in _NAMES.values()) for i in range(3))
_NAME_GROUP = {"WBRI": "wb", "WIRI": "ir", "WIRT": "ir", "WROM": "ir", "WOTH": "wo", "AIND": "as", "APKN": "as",
               "ABAN": "as", "AOTH": "as", "BCRB": "bl", "BAFR": "bl", "BOTH": "bl", "CHNE": "ch"}
_LAS = [886, 887, 888, 889, 890, 891, 892, 893, 894, 895, 896, *range(201, 214), *range(301, 321),
        *range(330, 337), *range(340, 345), *range(350, 360), *range(370, 385), *range(390, 395),
        *range(800, 827), *range(830, 861)][:150]
_PRIMARY_NAMES = ["Oakfield Primary", "Riverside Primary", "St Anne's CofE Primary", "Millbrook Primary",
                  "Hawthorn Primary", "Brookside Infant and Junior"]
_SECONDARY_NAMES = ["Kingsmead Academy", "Hollins Park School", "Westfield High", "Castle Vale Academy"]
_ENRICH = {  # (activity, category, base probability, sessions range)
    "primary": [("Chess club", "club", .10, (4, 30)), ("Coding club", "club", .08, (4, 30)),
                ("Choir", "club", .15, (6, 33)), ("Football club", "club", .18, (6, 33)),
                ("Maths masterclass", "masterclass", .03, (2, 6)), ("Young writers masterclass", "masterclass", .03,
                                                                      (2, 6)),
                ("Learner Academy", "learner_academy", .0, (4, 12)), ("Museum trip", "trip", .25, (1, 1)),
                ("Primary maths challenge", "competition", .04, (1, 1))],
    "secondary": [("Debating society", "club", .06, (4, 30)), ("Orchestra", "club", .05, (6, 33)),
                  ("Robotics club", "club", .06, (4, 30)), ("Sports teams", "club", .20, (6, 33)),
                  ("Science masterclass", "masterclass", .03, (2, 6)), ("Maths masterclass", "masterclass", .03,
                                                                        (2, 6)),
                  ("Learner Academy", "learner_academy", .0, (4, 12)), ("UKMT Maths Challenge", "competition",
                                                                        .05, (1, 1)),
                  ("University summer school", "summer_school", .01, (5, 5)), ("Theatre visit", "trip", .15,
                                                                               (1, 1))],
}
_PUPIL_Q = ["I am challenged in lessons", "Teachers help me when I am stuck", "I enjoy learning",
            "I know what I need to do to improve", "I take part in activities outside lessons"]
_PARENT_Q = ["My child is challenged at school", "I am kept informed about my child's progress",
             "The school meets my child's needs", "I feel welcome at the school"]
_SEF = {1: ["Governor linked to G&T; leading teacher in post", "Excellence for All in the development plan"],
        2: ["Termly data reviews by leading teacher", "Register checked against attainment data each term"],
        3: ["Lesson studies on challenge for the most able", "Learning walks focus on stretch"],
        4: ["Parents' evenings and pupil voice survey", "Learner Academy with parent workshops"],
        5: ["LSAs trained as mentors", "Schools mentoring schools partnership"]}
_REASONS = np.array(["PD", "PD", "PD", "VA", "VP", "PP", "PA", "BU", "DM", "DA", "TH", "RA", "OT"])


def _logit(p):
    return np.log(p / (1 - p))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _upns(la, est, yr, serial) -> np.ndarray:
    """Vectorised :func:`gtanalytics.upn.make_upn` (the tests check it against ``make_upn`` for every pupil)."""
    body = la.astype(np.int64) * 10**9 + est * 10**5 + (yr % 100) * 10**3 + serial
    digits = (body[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    letters = np.array(list(CHECK_ALPHABET))[(digits @ np.arange(2, 14)) % 23]
    return np.char.add(letters.astype("U1"), body.astype("U12"))


def _iso(days) -> np.ndarray:
    u, inv = np.unique(np.asarray(days, dtype="datetime64[D]"), return_inverse=True)
    return np.datetime_as_string(u, unit="D").astype(object)[inv]


def _yn(flag) -> np.ndarray:
    return np.where(np.asarray(flag, bool), "Y", "N")


def _school_day(rng, s, n) -> np.ndarray:
    """``n`` random school days in the academic year starting in September of ``s`` (array)."""
    start = np.asarray(s).astype(str).astype("U4")
    return np.busday_offset(np.char.add(start, "-09-05").astype("datetime64[D]"), rng.integers(0, 205, n),
                            roll="forward")


def _test_date(s, term) -> np.ndarray:
    u, inv = np.unique(np.asarray(s) * 3 + np.asarray(term), return_inverse=True)
    days = [np.datetime64(f"{y + (t > 0)}{['-12-05', '-03-20', '-06-25'][t]}") for y, t in zip(u // 3, u % 3)]
    return np.busday_offset(np.array(days, dtype="datetime64[D]"), 0, roll="forward")[inv]


def _schools(n_primary, n_secondary, sizes, rng, national=False, only_year=None):
    phase = np.array(["primary"] * n_primary + ["secondary"] * n_secondary)
    i = np.arange(len(phase))
    la = np.array(_LAS)[i % len(_LAS)]
    est = np.where(phase == "primary", 2101, 4101) + i // len(_LAS)
    if national:
        names = np.char.add(np.where(phase == "primary", "Primary school ", "Secondary school "), i.astype(str))
    else:
        names = np.array([_PRIMARY_NAMES[k % 6] + (f" {k // 6 + 1}" if k >= 6 else "") for k in range(n_primary)]
                         + [_SECONDARY_NAMES[k % 4] + (f" {k // 4 + 1}" if k >= 4 else "")
                            for k in range(n_secondary)], dtype=object)
    fixed = [0.12, -0.08, -0.10, 0.10]
    eff = rng.normal(0, 0.1, len(i))
    if not national and n_primary >= 2 and n_secondary >= 2:
        eff[[0, 1, n_primary, n_primary + 1]] = fixed
    disadv = np.clip(rng.beta(5, 15, len(i)), 0.05, 0.7)
    if not national:
        disadv[: min(4, len(i))] = [0.35, 0.22, 0.30, 0.25][: min(4, len(i))]
    return pd.DataFrame({"school_id": (la * 10000 + est).astype(str), "school_name": names, "phase": phase,
                         "la": la, "est": est,
                         "lo": np.where(phase == "primary", 0, 7) if only_year is None else only_year,
                         "hi": np.where(phase == "primary", 6, 11) if only_year is None else only_year,
                         "size": sizes, "effect": eff,
                         "disadv_rate": disadv})


def _enrol(rng, sch, K, s0, churn=0.04, transfer=0.6):
    """Spells (pupil, school, first and last year index) for every school, vectorised over cohorts."""
    lo, hi, size = sch["lo"].to_numpy(), sch["hi"].to_numpy(), sch["size"].to_numpy()
    ncoh = hi - lo + K
    s_ = np.repeat(np.arange(len(sch)), ncoh)
    c = (s0 - hi)[s_] + np.arange(ncoh.sum()) - np.repeat(np.cumsum(ncoh) - ncoh, ncoh)
    kmin, kmax = np.maximum(0, c + lo[s_] - s0), np.minimum(K - 1, c + hi[s_] - s0)
    nb = rng.poisson(size[s_])
    b = np.repeat(np.arange(len(s_)), nb)
    # joiners: each cohort in each later year it is in range
    nk = kmax - kmin
    jc = np.repeat(np.arange(len(s_)), nk)
    jk = kmin[jc] + 1 + np.arange(nk.sum()) - np.repeat(np.cumsum(nk) - nk, nk)
    nj = rng.poisson(size[s_][jc] * churn)
    j = np.repeat(np.arange(len(jc)), nj)
    combo = np.concatenate([b, jc[j]])
    first = np.concatenate([kmin[b], jk[j]])
    last = np.minimum(kmax[combo], first + rng.geometric(churn, len(combo)) - 1)
    sp = pd.DataFrame({"school": s_[combo], "c": c[combo], "first": first, "last": last,
                       "joiner": np.r_[np.zeros(len(b), bool), np.ones(len(j), bool)]})
    sp["pid"] = np.arange(len(sp))
    # transfers: Y6 leavers of trust primaries become Y7 base pupils of trust secondaries
    prim = (sch["phase"].to_numpy() == "primary")[sp["school"]]
    lead = prim & (sp["last"] == sp["c"] + 6 - s0) & (sp["last"] <= K - 2) & (rng.random(len(sp)) < transfer)
    recv = ~prim & ~sp["joiner"] & (sp["first"] == sp["c"] + 7 - s0) & (sp["first"] >= 1)
    a = sp[lead].assign(r=rng.random(lead.sum())).sort_values("r")
    a["n"] = a.groupby("c").cumcount()
    r = sp[recv].assign(r=rng.random(recv.sum())).sort_values("r")
    r["n"] = r.groupby("c").cumcount()
    m = r.reset_index().merge(a[["c", "n", "pid"]], on=["c", "n"], suffixes=("", "_from"))
    sp.loc[m["index"].to_numpy(), "pid"] = m["pid_from"].to_numpy()
    sp["pid"] = np.unique(sp["pid"].to_numpy(), return_inverse=True)[1]
    return sp.sort_values(["pid", "first"], kind="stable").reset_index(drop=True)


def _traits(rng, n, disadv_rate):
    """Pupil characteristics (one per pupil), with the DfE codes and their associations."""
    eth = _ETH[rng.choice(len(_ETH), n, p=_ETH_P / _ETH_P.sum())]
    off = pd.Series(eth).map(_ETH_DISADV).fillna(0).to_numpy()
    ever6 = rng.random(n) < _expit(_logit(disadv_rate) + off)
    lac, plac = rng.random(n) < 0.005, rng.random(n) < 0.008
    fsm = ever6 & (rng.random(n) < 0.65)
    u = rng.random(n)
    sen = np.where(u < np.where(ever6, 0.035, 0.02), "E", np.where(u < np.where(ever6, 0.2, 0.13), "K", "N"))
    eal = rng.random(n) < pd.Series(eth).map(_ETH_EAL).fillna(0.2).to_numpy()
    return dict(eth=eth, ever6=ever6, fsm=fsm, lac=lac, plac=plac, dis=ever6 | lac | plac, sen=sen, eal=eal,
                male=rng.random(n) < 0.5)


def _names(rng, male, eth):
    grp = pd.Series(eth).map(_NAME_GROUP).fillna("mx").to_numpy()
    fore, sur = np.empty(len(eth), object), np.empty(len(eth), object)
    for g, (girls, boys, family) in _NAMES.items():
        idx = np.flatnonzero(grp == g)
        gl, bl, fl = np.array(girls.split()), np.array(boys.split()), np.array(family.split())
        fore[idx] = np.where(male[idx], bl[rng.integers(len(bl), size=len(idx))],
                             gl[rng.integers(len(gl), size=len(idx))])
        sur[idx] = fl[rng.integers(len(fl), size=len(idx))]
    return fore, sur


def _ks1(z):
    codes = np.select([z > 0.72, z > -0.72, z > -1.8, z > -2.2, z > -2.5, z > -2.8],
                      ["GDS", "EXS", "WTS", "PK4", "PK3", "PK2"], "PK1")
    points = pd.Series(codes).map({"GDS": 10, "EXS": 8, "WTS": 6, "PK4": 4, "PK3": 3.5, "PK2": 3,
                                   "PK1": 2.5}).to_numpy(float)
    return codes, points


def _a8_per_slot(theta):
    """Mean grade per A8 slot for a latent ability, through the 2024 DfE A8-by-KS2 table (methodology §2.3)."""
    ks2 = np.array([82, 86, 87.5, 89, 90.5, 92] + list(range(93, 120)) + [120.0])
    est = np.array([15.96, 16.63, 19.01, 20.78, 22.00, 23.70, 25.02, 26.42, 27.65, 29.12, 30.24, 32.30, 33.78,
                    35.46, 37.27, 38.94, 41.02, 42.97, 45.12, 47.45, 49.76, 52.57, 55.30, 57.60, 60.22, 62.86,
                    65.46, 68.16, 70.60, 73.15, 75.46, 77.26, 79.74, 82.03])
    return np.interp(105 + 7.5 * theta, ks2, est, left=12.0, right=86.0) / 10


def _statutory(rng, rows, th_r, th_m, s_of_row):
    """KS1, KS2 and KS4 rows (long form) for the given pupil-level latent abilities."""
    out = []
    yg = rows["yg"]
    for stage, keep in (("KS1", yg == 2), ("KS2", yg == 6), ("KS4", yg == 11)):
        if not keep.any():
            continue
        r = {k: v[keep] for k, v in rows.items()}
        tr, tm, n = th_r[keep], th_m[keep], keep.sum()
        base = dict(upn=r["upn"], year=r["s"], date=None, tg_r=r.get("tg_r"), tg_m=r.get("tg_m"),
                    t_r=r.get("t_r"), t_m=r.get("t_m"))
        if stage == "KS1":
            for subj, z, tg, t in (("reading", tr, "tg_r", "t_r"), ("writing", 0.6 * tr + 0.4 * tm - 0.15, "tg_r",
                                                                     "t_r"), ("maths", tm, "tg_m", "t_m")):
                code, pts = _ks1(z + rng.normal(0, 0.35, n))
                out.append(dict(base, subject=subj, assessment="KS1", score_type="ks1_outcome", score=pts,
                                result=code, tg=base[tg], t=base[t], md="-06-28"))
        elif stage == "KS2":
            for subj, z, tg, t in (("reading", tr, "tg_r", "t_r"), ("maths", tm, "tg_m", "t_m")):
                ss = np.round(105 + 7.5 * z + rng.normal(0, 2.5, n))
                out.append(dict(base, subject=subj, assessment="KS2", score_type="ks2_scaled",
                                score=np.where(ss < 80, np.nan, np.minimum(ss, 120)),
                                result=np.where(ss < 80, "N", ""), tg=base[tg], t=base[t], md="-05-14"))
            zw = 0.5 * tr + 0.5 * tm + rng.normal(0, 0.4, n)
            code = np.select([zw > 1.05, zw > -0.55], ["GDS", "EXS"], "WTS")
            out.append(dict(base, subject="writing", assessment="KS2", score_type="ks2_ta",
                            score=pd.Series(code).map({"GDS": 113, "EXS": 103, "WTS": 91}).to_numpy(float),
                            result=code, tg=base["tg_r"], t=base["t_r"], md="-06-30"))
        else:
            eng = np.clip(np.round(_a8_per_slot(tr) + rng.normal(0, 0.7, n)), 0, 9)
            mat = np.clip(np.round(_a8_per_slot(tm) + rng.normal(0, 0.7, n)), 0, 9)
            oth = np.clip(np.round(_a8_per_slot((tr + tm) / 2)[:, None] + rng.normal(0, 0.9, (n, 6))), 0, 9)
            for subj, sc, st, tg, t in (("english", eng, "gcse_grade", "tg_r", "t_r"),
                                        ("maths", mat, "gcse_grade", "tg_m", "t_m"),
                                        ("A8", 2 * eng + 2 * mat + oth.sum(1), "attainment8", None, None)):
                out.append(dict(base, subject=subj, assessment="KS4", score_type=st, score=sc, result="",
                                tg=base[tg] if tg else None, t=base[t] if t else None, md="-08-22"))
    frames = []
    for o in out:
        n = len(o["upn"])
        date = np.char.add((o["year"] + 1).astype(str).astype("U4"), o["md"])
        frames.append(pd.DataFrame({
            "upn": o["upn"], "academic_year": _ay(o["year"]), "term": "Summer", "date": date,
            "subject": o["subject"], "assessment": o["assessment"], "score_type": o["score_type"],
            "score": np.asarray(o["score"], float), "result": np.broadcast_to(o["result"], n),
            "teaching_group": o["tg"] if o["tg"] is not None else "", "teacher": o["t"] if o["t"] is not None else ""}))
    return frames


def _ay(s) -> np.ndarray:
    """Academic years as text, ``2023 -> "2023/24"``."""
    u, inv = np.unique(np.asarray(s, dtype=np.int64), return_inverse=True)
    return np.array([f"{y}/{(y + 1) % 100:02d}" for y in u], dtype=object)[inv]


def _simulate(seed, n_primary, n_secondary, years, sizes, scale, national=False, only_year=None,
              termly=True):  # noqa: C901
    """Run the whole model once; return (tables, truth)."""
    rng = np.random.default_rng(seed)
    years = [str(y) for y in years]
    s0, K = int(years[0][:4]), len(years)
    if [y for y in years] != list(_ay(np.arange(s0, s0 + K))):
        raise ValueError(f"years must be consecutive academic years written like '2023/24', not {years}")
    sch = _schools(n_primary, n_secondary, sizes, rng, national, only_year)
    sp = _enrol(rng, sch, K, s0)
    prim_s = (sch["phase"] == "primary").to_numpy()
    # ---- one record per pupil -------------------------------------------------------------
    fs = sp.drop_duplicates("pid")
    N, c, sch0, first0 = len(fs), fs["c"].to_numpy(), fs["school"].to_numpy(), fs["first"].to_numpy()
    tr = _traits(rng, N, sch["disadv_rate"].to_numpy()[sch0])
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
    mentee = ua & register & (rng.random(N) < 0.75) & (not national)
    upn_group = np.where((yg0 == 0) & ~fs["joiner"].to_numpy(), 0, np.where(first0 == 0, 1, 2))
    ext = rng.integers(0, 40, N)
    la = sch["la"].to_numpy()[sch0]
    est = np.where((upn_group < 2) & prim_s[sch0], sch["est"].to_numpy()[sch0], 3001 + ext)
    yr = np.where(upn_group == 0, s0 + first0, c)
    serial = pd.DataFrame({"a": la, "b": est, "y": yr}).groupby(["a", "b", "y"]).cumcount().to_numpy() + 1
    if serial.max() > 999:
        raise ValueError("too many pupils per school and year for 3-digit UPN serials; use more schools")
    upn = _upns(la, est, yr, serial)
    fore, sur = _names(rng, tr["male"], tr["eth"])
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
    cls = np.char.add(yl, np.array(list("ABCDEFGHJK"))[letter])
    tg_r = np.where(prim, cls, np.char.add(cls, "/En"))
    tg_m = np.where(prim, cls, np.char.add(np.char.add(yl, "/Ma"), (mset + 1).astype("U2")))
    ndept = np.ceil(ngrp * 5 / 3).astype(int)
    key_r = np.where(prim, (school * 20 + yg) * 20 + letter, -((school * 4 + 1) * 100 + (yg * ngrp + letter) % ndept))
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
    T = np.repeat(np.arange(len(pid)), 3)
    term = np.tile(np.arange(3), len(pid))
    tt = 3 * k[T] + term
    dis_t = tr["dis"][pid[T]]
    gap = np.zeros(len(sch))
    if not national and n_primary >= 1 and n_secondary >= 1:
        gap[0] = PLANTED["disadvantage_gap"]["narrowing"]["change_sd_per_year"]
        gap[n_primary] = PLANTED["disadvantage_gap"]["widening"]["change_sd_per_year"]
    mentored_row = mentee[pid] & (k >= 1)
    common = (sch["effect"].to_numpy()[school] + gap[school] * tr["dis"][pid] * (k >= 1)
              + PLANTED["underachievers"]["drift_sd_per_year"] * ua[pid]
              + PLANTED["mentoring"]["attainment_effect_sd_per_year"] * mentored_row)[T] / 3
    inc_r = common + teff[ti_r][T] / 3 + rng.normal(0, TERM_SD, len(T))
    inc_m = common + teff[ti_m][T] / 3 + rng.normal(0, TERM_SD, len(T))
    th = {"reading": th_r0.copy(), "maths": th_m0.copy()}
    inc = {"reading": inc_r, "maths": inc_m}
    end = {"reading": np.empty(len(T)), "maths": np.empty(len(T))}
    sc = {"reading": np.empty(len(T)), "maths": np.empty(len(T))}
    last = {s_: np.full(N, np.nan) for s_ in th}
    last_t = {s_: np.full(N, -9) for s_ in th}
    order = np.argsort(tt, kind="stable")
    bounds = np.searchsorted(tt[order], np.arange(3 * K + 1))
    school_ord = np.argsort(np.argsort(sch["school_id"].to_numpy()))
    progs = []
    for t in range(3 * K):
        idx = order[bounds[t]:bounds[t + 1]]
        p_, s_yr = pid[T[idx]], s0 + t // 3
        for pi, (name, subj, measure, (ylo, yhi), term_i, cap, eff, cost, weeks) in enumerate(PROGRAMMES):
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
            progs.append(dict(pi=pi, rows=rows_, pre=pre[pick], start=start, stop=stop, rank=rank[pick],
                              th_start=th[subj][pid[T[rows_]]].copy(), base=inc[subj][rows_].copy(),
                              eff=eff_theta, frac=weeks / 12))
            inc[subj][rows_] += eff_theta
        for s_ in th:
            th[s_][p_] += inc[s_][idx]
            end[s_][idx] = th[s_][p_]
            sc[s_][idx] = np.clip(np.round(100 + POINTS * th[s_][p_] + rng.normal(0, ERR, len(idx))), 69, 141)
            last[s_][p_], last_t[s_][p_] = sc[s_][idx], t
    # ---- assessments -------------------------------------------------------------------------
    s_row = s0 + k
    frames = []
    tested = (yg[T] >= 1) & termly
    assess_name = {("reading", True): "PiRA", ("maths", True): "PUMA", ("reading", False): "NGRT",
                   ("maths", False): "PTM"}
    for s_, tg, ti in (("reading", tg_r, ti_r), ("maths", tg_m, ti_m)):
        m = tested
        frames.append(pd.DataFrame({
            "upn": upn[pid[T[m]]], "academic_year": _ay(s_row[T[m]]), "term": np.array(TERMS)[term[m]],
            "date": _iso(_test_date(s_row[T[m]], term[m])), "subject": s_,
            "assessment": np.where(prim[T[m]], assess_name[(s_, True)], assess_name[(s_, False)]),
            "score_type": "standardised", "score": sc[s_][m], "result": "", "teaching_group": tg[T[m]],
            "teacher": tcodes[ti[T[m]]]}))
    summer = np.flatnonzero(term == 2)
    rs = T[summer]
    ok_stage = np.where(prim[rs], np.isin(yg[rs], [2, 6]), yg[rs] == 11)
    rows = dict(upn=upn[pid[rs]][ok_stage], s=s_row[rs][ok_stage], yg=yg[rs][ok_stage],
                tg_r=tg_r[rs][ok_stage], tg_m=tg_m[rs][ok_stage], t_r=tcodes[ti_r[rs]][ok_stage],
                t_m=tcodes[ti_m[rs]][ok_stage])
    frames += _statutory(rng, rows, end["reading"][summer][ok_stage], end["maths"][summer][ok_stage], None)
    # statutory results from before a pupil's first year in the data
    past_yg = np.where(prim_s[sch0], np.where(yg0 >= 3, 2, -1), np.where(yg0 >= 7, 6, -1))
    pp = np.flatnonzero(past_yg >= 0)
    back = np.sqrt(np.maximum(0, 3 * (yg0[pp] - past_yg[pp]) - 2) + 0.5) * TERM_SD
    rows = dict(upn=upn[pp], s=c[pp] + past_yg[pp], yg=past_yg[pp])
    frames += _statutory(rng, rows, th_r0[pp] - rng.normal(0, 1, len(pp)) * back,
                         th_m0[pp] - rng.normal(0, 1, len(pp)) * back, None)
    assessments = pd.concat(frames, ignore_index=True)
    # ---- pupils ----------------------------------------------------------------------------
    P = pid
    pupils = pd.DataFrame({
        "upn": upn[P], "academic_year": _ay(s_row), "school_id": sch["school_id"].to_numpy()[school],
        "year_group": yg, "forename": fore[P], "surname": sur[P], "date_of_birth": _iso(born[P]),
        "sex": np.where(tr["male"][P], "M", "F"), "class_name": cls, "fsm": _yn(tr["fsm"][P]),
        "ever6_fsm": _yn(tr["ever6"][P]), "lac": _yn(tr["lac"][P]), "plac": _yn(tr["plac"][P]),
        "disadvantaged": _yn(tr["dis"][P]), "sen": tr["sen"][P], "eal": _yn(tr["eal"][P]),
        "ethnicity": tr["eth"][P], "gt_register": _yn(register[P] & (yg >= 1)),
        "gt_area": np.where(register[P] & (yg >= 1), area[P], "")})
    schools = sch.assign(la_code=sch["la"].astype(str), country="England")[
        ["school_id", "school_name", "phase", "la_code", "country"]]
    tables = {"schools": schools, "pupils": pupils, "assessments": assessments}
    ctx = dict(rng=rng, sch=sch, s0=s0, K=K, pid=pid, k=k, yg=yg, school=school, prim=prim, upn=upn, tr=tr,
               register=register, ua=ua, mentee=mentee, born=born, T=T, term=term, progs=progs,
               school_ord=school_ord, s_row=s_row, gen=gen, th_end=end)
    truth = {
        "school_effects": pd.DataFrame({"school_id": sch["school_id"], "effect_sd_per_year": sch["effect"],
                                        "gap_change_sd_per_year": gap}),
        "teacher_effects": pd.DataFrame({"school_id": sch["school_id"].to_numpy()[tsch], "teacher": tcodes,
                                         "effect_sd_per_year": teff}),
        "underachievers": pd.DataFrame({"upn": upn[ua], "school_id": sch["school_id"].to_numpy()[sch0[ua]],
                                        "gt_register": register[ua], "mentored": mentee[ua]}),
        "dual_exceptionality": pd.DataFrame({"upn": upn[twice], "sen": tr["sen"][twice]}),
    }
    if not national:
        tables.update(_other_tables(ctx))
        truth["intervention_pupils"] = ctx["intervention_truth"]
    return tables, truth


def _other_tables(ctx) -> dict[str, pd.DataFrame]:
    """Interventions, mentoring, attendance, exclusions, enrichment, parents' evenings, surveys, self-evaluation."""
    rng, sch, tr, upn, pid, k, yg, school, prim = (ctx[x] for x in ("rng", "sch", "tr", "upn", "pid", "k", "yg",
                                                                     "school", "prim"))
    s0, K, T, s_row, dis = ctx["s0"], ctx["K"], ctx["T"], ctx["s_row"], tr["dis"][pid]
    ids = sch["school_id"].to_numpy()
    out = {}
    # ---- interventions: LSA/HLTA-led programmes, pupils chosen for low pre-scores ---------------
    rows, truth = [], []
    for pr in ctx["progs"]:
        name, subj, measure, _, _, _, eff, cost, weeks = PROGRAMMES[pr["pi"]]
        r = pr["rows"]
        n = len(r)
        latent = pr["th_start"] + pr["eff"] + pr["frac"] * pr["base"]
        p_ = pid[T[r]]
        if measure == "standardised":
            post = np.clip(np.round(100 + POINTS * latent + rng.normal(0, ERR, n)), 69, 141)
        else:
            age_e = (pr["stop"] - ctx["born"][p_]).astype(int) / 30.4375
            post = np.round(age_e + 0.15 * age_e * latent + rng.normal(0, 4, n))
        member = (school[T[r]] * 7 + pr["pi"] * 2 + (pr["rank"].astype(int) % 2)) % 6
        staff_no = ctx["school_ord"][school[T[r]]] * 6 + member + 1
        planned = np.full(n, 3 * weeks)
        rows.append(pd.DataFrame({
            "programme": name, "upn": upn[p_], "staff": np.char.add(np.where(member == 0, "HLTA-", "LSA-"),
                                                                   np.char.zfill(staff_no.astype("U3"), 2)),
            "staff_role": np.where(member == 0, "HLTA", "LSA"), "subject": subj,
            "start_date": _iso(np.full(n, pr["start"])), "end_date": _iso(np.full(n, pr["stop"])),
            "sessions_planned": planned, "sessions_attended": rng.binomial(planned, rng.beta(9, 1, n)),
            "measure": measure, "pre_score": pr["pre"], "post_score": post, "cost": cost,
            "selection": "low pre-score"}))
        truth.append(pd.DataFrame({"programme": name, "upn": upn[p_], "academic_year": _ay(s_row[T[r]]),
                                   "term": TERMS[PROGRAMMES[pr["pi"]][4]], "effect_sd": eff}))
    out["interventions"] = pd.concat(rows, ignore_index=True)
    ctx["intervention_truth"] = pd.concat(truth, ignore_index=True)
    # ---- mentoring of G&T under-achievers by LSAs and peers -----------------------------------
    m = np.flatnonzero(ctx["mentee"][pid] & (k >= 1))
    m = m[np.lexsort((upn[pid[m]], k[m], school[m]))]
    grp = pd.DataFrame({"s": school[m], "k": k[m]}).groupby(["s", "k"]).cumcount().to_numpy() // 3
    peer = ~prim[m] & (grp % 2 == 1)
    num = ctx["school_ord"][school[m]] * 6 + (grp % 5) + 2
    held = rng.binomial(33, 0.85, len(m))
    start = np.busday_offset(np.char.add((s0 + k[m]).astype("U4"), "-09-18").astype("datetime64[D]"), 0,
                             roll="forward")
    out["mentoring"] = pd.DataFrame({
        "mentor": np.where(peer, np.char.add(np.char.add("PEER-", ids[school[m]]), np.char.add("-", (grp + 1)
                                                                                           .astype("U2"))),
                           np.char.add("LSA-", np.char.zfill(num.astype("U3"), 2))),
        "mentor_role": np.where(peer, "peer", "LSA"), "upn": upn[pid[m]], "start_date": _iso(start),
        "end_date": _iso(start + np.timedelta64(297, "D")), "sessions_planned": 33, "sessions_held": held,
        "log_entries": rng.binomial(held, 0.8),
        "focus": np.array(["under-achievement in maths", "under-achievement in reading",
                           "organisation and motivation"])[rng.integers(0, 3, len(m))]})
    # ---- attendance: sessions per term, lower for disadvantaged pupils ----------------------
    n = len(pid)
    A = PLANTED["attendance"]["absence_rate_multiplier"]
    base = (0.042 * np.where(dis, A["disadvantaged"], 1) * np.where(prim, 1, A["secondary"])
            * np.where(tr["sen"][pid] == "K", A["sen_K"], 1) * np.where(tr["sen"][pid] == "E", A["sen_E"], 1)
            * np.where(ctx["ua"][pid], 1.25, 1)
            * np.where(ctx["mentee"][pid] & (k >= 1), PLANTED["mentoring"]["absence_multiplier"], 1))
    pupil_prop = np.exp(rng.normal(0, 0.75, len(upn)) - 0.75 ** 2 / 2)[pid]
    rate = np.minimum(0.95, (base * pupil_prop)[T] * np.exp(rng.normal(-0.06, 0.35, len(T))))
    poss = np.array([140, 126, 114])[ctx["term"]]
    missed = rng.binomial(poss, rate)
    unauth = rng.binomial(missed, np.where(dis[T], 0.38, 0.22))
    out["attendance"] = pd.DataFrame({"upn": upn[pid[T]], "academic_year": _ay(s_row[T]),
                                      "period": np.array(TERMS)[ctx["term"]], "possible_sessions": poss,
                                      "authorised_absence": missed - unauth, "unauthorised_absence": unauth})
    # ---- suspensions and permanent exclusions --------------------------------------------------
    lam = (np.where(prim, 0.012, 0.075)
           * np.where(dis, PLANTED["exclusions"]["suspension_rate_multiplier_disadvantaged"], 1) * np.where(tr["sen"][pid] != "N", 1.6, 1)
           * np.where(tr["male"][pid], 1.3, 0.75) * pupil_prop)
    ne = rng.poisson(lam)
    e = np.repeat(np.arange(n), ne)
    day = _school_day(rng, s_row[e], len(e))
    last_year = np.r_[pid[1:] != pid[:-1], True] & (k < K - 1)
    perm = ~prim[e] & last_year[e] & (rng.random(len(e)) < 0.08)
    ex = pd.DataFrame({"upn": upn[pid[e]], "academic_year": _ay(s_row[e]), "start_date": _iso(day),
                       "category": np.where(perm, "permanent", "suspension"),
                       "days": np.where(perm, np.nan, np.minimum(5, 1 + rng.poisson(0.8, len(e)))),
                       "reason": _REASONS[rng.integers(0, len(_REASONS), len(e))]})
    out["exclusions"] = ex.drop_duplicates(["upn", "start_date", "category"])
    # ---- enrichment: taken up less by disadvantaged pupils ------------------------------------
    reg = ctx["register"][pid] & (yg >= 1)
    gen = ctx["gen"][pid]
    frames = []
    for phase, acts in _ENRICH.items():
        rows_ = np.flatnonzero((prim if phase == "primary" else ~prim) & (yg >= 1))
        for name, cat, p0, (lo, hi) in acts:
            if cat == "learner_academy":
                lp = np.where(reg[rows_], _logit(0.75), _logit(0.01))
            else:
                boost = {"masterclass": 2.0, "competition": 1.5}.get(cat, 0.2)
                lp = _logit(p0) + boost * reg[rows_] + 0.3 * gen[rows_]
            lp = lp + np.log(PLANTED["enrichment"]["odds_ratio_disadvantaged"]) * dis[rows_]
            took = rows_[rng.random(len(rows_)) < _expit(lp)]
            frames.append(pd.DataFrame({"upn": upn[pid[took]], "academic_year": _ay(s_row[took]), "activity": name,
                                        "category": cat, "sessions_attended": rng.integers(lo, hi + 1, len(took))}))
    out["enrichment"] = pd.concat(frames, ignore_index=True)
    # ---- parents' evenings ----------------------------------------------------------------------
    PE = PLANTED["parents_evenings"]
    frames = []
    for ev in ("Autumn consultation", "Spring consultation"):
        lp = (np.where(prim, 1.9, 1.0) + PE["log_odds_disadvantaged"] * dis + PE["log_odds_eal"] * tr["eal"][pid]
              + PE["log_odds_register"] * reg)
        frames.append(pd.DataFrame({"upn": upn[pid], "academic_year": _ay(s_row), "event": ev,
                                    "attended": _yn(rng.random(n) < _expit(lp))}))
    out["parents_evenings"] = pd.concat(frames, ignore_index=True)
    # ---- surveys (1-5): pupils in Y3 and above, parents of any pupil ---------------------------
    frames = []
    for who, qs, rows_, rr in (("pupil", _PUPIL_Q, np.flatnonzero(yg >= 3), 0.75),
                               ("parent", _PARENT_Q, np.arange(n), 0.4)):
        rows_ = rows_[rng.random(len(rows_)) < rr * np.where(dis[rows_], 0.7, 1)]
        person = rng.normal(0, 0.6, len(rows_))
        for qi, q in enumerate(qs):
            shift = PLANTED["surveys"]["register_pupils_challenge_shift"] * reg[rows_] * (who == "pupil" and qi == 0)
            z = 3.7 - 0.15 * qi + person + shift - 0.2 * dis[rows_] + rng.normal(0, 0.8, len(rows_))
            frames.append(pd.DataFrame({
                "upn": upn[pid[rows_]], "academic_year": _ay(s_row[rows_]), "respondent": who,
                "survey": np.char.add("Pupil voice " if who == "pupil" else "Parent survey ",
                                      (s_row[rows_] + 1).astype("U4")),
                "question": q, "response": np.clip(np.round(z), 1, 5), "scale_min": 1.0, "scale_max": 5.0}))
    out["surveys"] = pd.concat(frames, ignore_index=True)
    # ---- self-evaluation per school per key area, latest year ----------------------------------
    ns = len(sch)
    lvl = np.clip(np.round(1 + rng.normal(0, 0.6, (ns, 5)) + sch["effect"].to_numpy()[:, None] * 4), 0, 2).astype(int)
    out["self_evaluation"] = pd.DataFrame({
        "school_id": np.repeat(ids, 5), "academic_year": _ay(np.full(ns * 5, s0 + K - 1)),
        "key_area": np.tile(np.arange(1, 6), ns), "rating": np.array(["Entry", "Developing", "Exemplary"])[lvl.ravel()],
        "evidence": [_SEF[a][i % 2] for i in range(ns) for a in range(1, 6)]})
    return out


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
        One frame per table of :data:`gtanalytics.schemas.TABLES` (``schools, pupils, assessments,
        interventions, mentoring, enrichment, attendance, exclusions, parents_evenings, surveys,
        self_evaluation``) with exactly the canonical columns in canonical order, values as they
        appear in a file: ``academic_year`` like ``"2023/24"``, flags ``"Y"``/``"N"``, dates ISO
        text, missing text as ``<NA>``; rows sorted on the table key. The planted patterns are
        described in :data:`PLANTED`; the per-pupil and per-teacher truths are in
        :func:`planted_truth`.

    Examples
    --------
    >>> from gtanalytics.sample import generate
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
    >>> from gtanalytics.sample import planted_truth
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
    >>> from gtanalytics.sample import generate_national
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
    >>> from gtanalytics.sample import write_sample
    >>> paths = write_sample(tempfile.mkdtemp(), scale=0.2)
    >>> paths[1].name
    'pupils.csv'
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
    """Load the bundled synthetic sample as a :class:`gtanalytics.io.SchoolData`.

    Uses ``data/sample/`` of the repository when the package runs from a checkout; otherwise
    (an installed package) writes the sample once to a cache folder (``$GTANALYTICS_CACHE`` or the
    system temporary folder) and loads that.

    Returns
    -------
    gtanalytics.io.SchoolData
        Every table of the sample, with ``.quality`` listing any problem found on loading.

    Examples
    --------
    >>> from gtanalytics.sample import load_sample
    >>> data = load_sample()
    >>> data.pupils["academic_year"].nunique()
    3
    """
    from gtanalytics.io import load

    here = pathlib.Path(__file__).resolve().parent.parent / "data" / "sample"
    if not (here / "pupils.csv").exists():
        here = pathlib.Path(os.environ.get("GTANALYTICS_CACHE", tempfile.gettempdir())) / "gtanalytics-sample-2024"
        if not (here / "self_evaluation.csv").exists():
            write_sample(here, seed=PLANTED["seed"])
    return load(here)
