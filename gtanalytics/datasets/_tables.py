"""The per-table generators of the synthetic sample trust, and the name and activity lists they draw from.

:mod:`gtanalytics.datasets` simulates the pupils, their latent abilities and their assessments; the
functions here turn that simulated trust into table rows: the statutory results (KS1, KS2,
KS4) from latent abilities, and (from the trust passed in as a plain dict, ``ctx``) the other
canonical tables: interventions, mentoring, attendance, exclusions, enrichment, parents' evenings,
surveys and self-evaluation. They also hold the small value formatters every table shares
(academic years, ISO dates, ``"Y"``/``"N"`` flags). This module imports nothing from
:mod:`gtanalytics.datasets`; the planted effect sizes arrive in ``ctx["planted"]``.

The random draws happen in a fixed order (:func:`other_tables` calls the generators in table
order), so the same seed gives byte-identical files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gtanalytics.data.schemas import TERMS


_NAMES = {  # (girls, boys, surnames): small, diverse, invented combinations
    # British names that are also words (White, Young, Summer, Grace, Key...) are in the lists so that every test
    # meets them: the report's own words ("White British", "Summer test", "Key area") must not be taken for pupils.
    "wb": ("Olivia Amelia Summer Ava Zoë Ivy Lily Grace Freya Hope Ella May Autumn Faith Rose",
           "Oliver George Harry Noah Jack Leo Arthur Oscar Will Jacob Thomas Alfie Mark Archie Henry",
           "Smith Jones White Brown Wilson Green Young Black English King Hartley-Jones Evans Key Hall Wood"),
    "ir": ("Aoife Siobhan Niamh Siân Mary Roisin", "Sean Patrick Ciaran Michael Lee Johnny",
           "Murphy O'Brien Kelly Connors Doherty Ward Lee Boswell Price"),
    "wo": ("Zuzanna Maja Lena Emilia Sofia Ioana Daria", "Jakub Antoni Filip Mateusz Andrei Luca Tomas",
           "Nowak Kowalski Popescu Horvath Silva Rossi Kaminski Ivanova"),
    "as": ("Aisha Zara Maryam Amira Fatima Anaya Priya Simran Ayesha Noor Inaya",
           "Muhammad Ibrahim Yusuf Ali Zayn Arjun Rohan Hamza Aarav Ayaan Omar",
           "Khan Ahmed Hussain Ali Begum Patel Shah Singh Kaur Rahman Islam Chowdhury Sharma"),
    "bl": ("Amara Zainab Adaeze Chloe Faith Nia Imani Esther Precious", "Daniel Samuel Joshua Tobi Kofi Malachi "
           "Isaac David Emmanuel", "Okafor Mensah Adeyemi Campbell Osei Mohamed Black Boateng Young"),
    "ch": ("Mei Xin Yu Chloe Jia", "Wei Jun Hao Ethan Ming", "Chen Wang Li Zhang Liu Wong Lin"),
}
_NAMES["mx"] = tuple(" ".join(v[i] for v in _NAMES.values()) for i in range(3))
_NAME_GROUP = {"WBRI": "wb", "WIRI": "ir", "WIRT": "ir", "WROM": "ir", "WOTH": "wo", "AIND": "as", "APKN": "as",
               "ABAN": "as", "AOTH": "as", "BCRB": "bl", "BAFR": "bl", "BOTH": "bl", "CHNE": "ch"}
_ENRICH = {  # (activity, category, base probability, sessions range)
    "primary": [("Chess club", "club", .10, (4, 30)), ("Coding club", "club", .08, (4, 30)),
                ("Choir", "club", .15, (6, 33)), ("Football club", "club", .18, (6, 33)),
                ("Maths masterclass", "masterclass", .03, (2, 6)),
                ("Young writers masterclass", "masterclass", .03, (2, 6)),
                ("Learner Academy", "learner_academy", .0, (4, 12)), ("Museum trip", "trip", .25, (1, 1)),
                ("Primary maths challenge", "competition", .04, (1, 1))],
    "secondary": [("Debating society", "club", .06, (4, 30)), ("Orchestra", "club", .05, (6, 33)),
                  ("Robotics club", "club", .06, (4, 30)), ("Sports teams", "club", .20, (6, 33)),
                  ("Science masterclass", "masterclass", .03, (2, 6)),
                  ("Maths masterclass", "masterclass", .03, (2, 6)),
                  ("Learner Academy", "learner_academy", .0, (4, 12)),
                  ("UKMT Maths Challenge", "competition", .05, (1, 1)),
                  ("University summer school", "summer_school", .01, (5, 5)), ("Theatre visit", "trip", .15, (1, 1))],
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
_FOCUS = np.array(["under-achievement in maths", "under-achievement in reading", "organisation and motivation"])


# ---------------------------------------------------------------------------- shared formatters
def logit(p):
    """The log-odds of a probability, ``log(p / (1 - p))``."""
    return np.log(p / (1 - p))


def expit(x):
    """The logistic function, ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-x))


def academic_year_label(s) -> np.ndarray:
    """Academic years as text, ``2023 -> "2023/24"`` (an object array sharing one string per year)."""
    u, inv = np.unique(np.asarray(s, dtype=np.int64), return_inverse=True)
    return np.array([f"{y}/{(y + 1) % 100:02d}" for y in u], dtype=object)[inv]


def iso_date(days) -> np.ndarray:
    """ISO dates as text (an object array sharing one string per distinct day)."""
    u, inv = np.unique(np.asarray(days, dtype="datetime64[D]"), return_inverse=True)
    return np.datetime_as_string(u, unit="D").astype(object)[inv]


def yes_no(flag) -> np.ndarray:
    """Booleans as ``Y``/``N`` text (the MIS export form)."""
    return np.where(np.asarray(flag, bool), "Y", "N")


def _school_day(rng, s, n) -> np.ndarray:
    """``n`` random school days in the academic year starting in September of ``s`` (array)."""
    start = np.asarray(s).astype(str).astype("U4")
    return np.busday_offset(np.char.add(start, "-09-05").astype("datetime64[D]"), rng.integers(0, 205, n),
                            roll="forward")


def pupil_names(rng, male, eth):
    """Forenames and surnames (object arrays) from the lists of the pupil's ethnic group."""
    grp = pd.Series(eth).map(_NAME_GROUP).fillna("mx").to_numpy()
    fore, sur = np.empty(len(eth), object), np.empty(len(eth), object)
    for g, lists in _NAMES.items():
        idx = np.flatnonzero(grp == g)
        gl, bl, fl = (np.array(x.split(), dtype=object) for x in lists)
        fore[idx] = np.where(male[idx], bl[rng.integers(len(bl), size=len(idx))],
                             gl[rng.integers(len(gl), size=len(idx))])
        sur[idx] = fl[rng.integers(len(fl), size=len(idx))]
    return fore, sur


# ---------------------------------------------------------------------------- statutory assessments
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


def statutory_age(rng, rows, th_r, th_m) -> list[pd.DataFrame]:
    """KS1, KS2 and KS4 rows (long form) for the given pupil-level latent abilities.

    ``rows`` holds ``upn, s`` (the academic year's start) and ``yg`` per pupil and, for the years
    in the data, the teaching groups and teachers ``tg_r, tg_m, t_r, t_m``.
    """
    frames = []
    yg = rows["yg"]
    for stage, keep in (("KS1", yg == 2), ("KS2", yg == 6), ("KS4", yg == 11)):
        if not keep.any():
            continue
        r = {k: v[keep] for k, v in rows.items()}
        tr, tm, n = th_r[keep], th_m[keep], keep.sum()
        res = []   # (subject, score_type, score, result, teaching group of "r"eading or "m"aths, date)
        if stage == "KS1":
            for subj, z, g in (("reading", tr, "r"), ("writing", 0.6 * tr + 0.4 * tm - 0.15, "r"), ("maths", tm, "m")):
                code, pts = _ks1(z + rng.normal(0, 0.35, n))
                res.append((subj, "ks1_outcome", pts, code, g, "-06-28"))
        elif stage == "KS2":
            for subj, z, g in (("reading", tr, "r"), ("maths", tm, "m")):
                ss = np.round(105 + 7.5 * z + rng.normal(0, 2.5, n))
                res.append((subj, "ks2_scaled", np.where(ss < 80, np.nan, np.minimum(ss, 120)),
                            np.where(ss < 80, "N", ""), g, "-05-14"))
            zw = 0.5 * tr + 0.5 * tm + rng.normal(0, 0.4, n)
            code = np.select([zw > 1.05, zw > -0.55], ["GDS", "EXS"], "WTS")
            res.append(("writing", "ks2_ta", pd.Series(code).map({"GDS": 113, "EXS": 103, "WTS": 91}).to_numpy(float),
                        code, "r", "-06-30"))
        else:
            eng = np.clip(np.round(_a8_per_slot(tr) + rng.normal(0, 0.7, n)), 0, 9)
            mat = np.clip(np.round(_a8_per_slot(tm) + rng.normal(0, 0.7, n)), 0, 9)
            oth = np.clip(np.round(_a8_per_slot((tr + tm) / 2)[:, None] + rng.normal(0, 0.9, (n, 6))), 0, 9)
            res += [("english", "gcse_grade", eng, "", "r", "-08-22"), ("maths", "gcse_grade", mat, "", "m", "-08-22"),
                    ("A8", "attainment8", 2 * eng + 2 * mat + oth.sum(1), "", "", "-08-22")]
        ay = academic_year_label(r["s"])
        years, inv = np.unique(r["s"], return_inverse=True)
        for subj, score_type, score, result, g, md in res:
            frames.append(pd.DataFrame({
                "upn": r["upn"], "academic_year": ay, "term": "Summer",
                "date": np.array([f"{y + 1}{md}" for y in years], dtype=object)[inv], "subject": subj,
                "assessment": stage, "score_type": score_type, "score": np.asarray(score, float),
                "result": np.broadcast_to(result, n), "teaching_group": r.get("tg_" + g, "") if g else "",
                "teacher": r.get("t_" + g, "") if g else ""}))
    return frames



# ---------------------------------------------------------------------------- the tables
def other_tables(ctx) -> dict[str, pd.DataFrame]:
    """Every table after pupils and assessments, in a fixed order of random draws.

    ``ctx`` holds the simulated trust (see the end of ``gtanalytics.datasets._sample._simulate``): the
    generator ``rng``, the ``planted`` parameters, one entry per pupil (``upn, tr, register, ua,
    mentor_draw, born, gen``), one per pupil-year row (``pid, k, yg, school, prim, s_row, mentee_row``), one per term
    row (``T, term``) and the programme groups chosen term by term (``progs``). Adds
    ``ctx["intervention_truth"]``.
    """
    out = {"interventions": _interventions(ctx), "mentoring": _mentoring(ctx)}
    out["attendance"], pupil_prop = _attendance(ctx)
    out["exclusions"] = _exclusions(ctx, pupil_prop)
    out["enrichment"] = _enrichment(ctx)
    out["parents_evenings"] = _parents_evenings(ctx)
    out["surveys"] = _surveys(ctx)
    out["self_evaluation"] = _self_evaluation(ctx)
    return out


def _interventions(ctx) -> pd.DataFrame:
    """LSA/HLTA-led programmes: the pupils chosen term by term for low pre-scores, their post-tests."""
    rng, upn, pid, T, school = ctx["rng"], ctx["upn"], ctx["pid"], ctx["T"], ctx["school"]
    rows, truth = [], []
    for pr in ctx["progs"]:
        name, subj, measure, _, term_i, _, eff, cost, weeks = pr["programme"]
        r = pr["rows"]
        n = len(r)
        latent = pr["th_start"] + pr["eff"] + pr["frac"] * pr["base"]
        p_ = pid[T[r]]
        if measure == "standardised":   # the same test as the termly ones
            post = np.clip(np.round(100 + ctx["points"] * latent + rng.normal(0, ctx["err"], n)), 69, 141)
        else:
            age_e = (pr["stop"] - ctx["born"][p_]).astype(int) / 30.4375
            post = np.round(age_e + 0.15 * age_e * latent + rng.normal(0, 4, n))
        member = (school[T[r]] * 7 + pr["pi"] * 2 + (pr["rank"].astype(int) % 2)) % 6
        staff_no = ctx["school_ord"][school[T[r]]] * 6 + member + 1
        planned = np.full(n, 3 * weeks)
        rows.append(pd.DataFrame({
            "programme": name, "upn": upn[p_], "staff": np.char.add(np.where(member == 0, "HLTA-", "LSA-"),
                                                                   np.char.mod("%02d", staff_no)),
            "staff_role": np.where(member == 0, "HLTA", "LSA"), "subject": subj,
            "start_date": iso_date(np.full(n, pr["start"])), "end_date": iso_date(np.full(n, pr["stop"])),
            "sessions_planned": planned, "sessions_attended": rng.binomial(planned, rng.beta(9, 1, n)),
            "measure": measure, "pre_score": pr["pre"], "post_score": post, "cost": cost,
            "selection": "low pre-score"}))
        truth.append(pd.DataFrame({"programme": name, "upn": upn[p_], "academic_year": academic_year_label(ctx["s_row"][T[r]]),
                                   "term": TERMS[term_i], "effect_sd": eff}))
    ctx["intervention_truth"] = pd.concat(truth, ignore_index=True)
    return pd.concat(rows, ignore_index=True)


def _mentoring(ctx) -> pd.DataFrame:
    """Register pupils with low latest scores mentored (Autumn and Spring) by LSAs and (in secondaries) peers,
    three mentees a mentor."""
    rng, upn, pid, k, school, prim = (ctx[x] for x in ("rng", "upn", "pid", "k", "school", "prim"))
    m = np.flatnonzero(ctx["mentee_row"])
    m = m[np.lexsort((upn[pid[m]], k[m], school[m]))]
    grp = pd.DataFrame({"s": school[m], "k": k[m]}).groupby(["s", "k"]).cumcount().to_numpy() // 3
    peer = ~prim[m] & (grp % 2 == 1)
    num = ctx["school_ord"][school[m]] * 6 + (grp % 5) + 2
    held = rng.binomial(26, 0.85, len(m))
    start = np.busday_offset(np.char.add((ctx["s0"] + k[m]).astype("U4"), "-09-18").astype("datetime64[D]"), 0,
                             roll="forward")
    peer_name = np.char.add(np.char.add("PEER-", ctx["ids"][school[m]]), np.char.add("-", (grp + 1).astype("U2")))
    return pd.DataFrame({
        "mentor": np.where(peer, peer_name, np.char.add("LSA-", np.char.mod("%02d", num))),
        "mentor_role": np.where(peer, "peer", "LSA"), "upn": upn[pid[m]], "start_date": iso_date(start),
        "end_date": iso_date(start + np.timedelta64(186, "D")), "sessions_planned": 26, "sessions_held": held,
        "log_entries": rng.binomial(held, 0.8), "focus": _FOCUS[rng.integers(0, 3, len(m))]})


def _attendance(ctx) -> tuple[pd.DataFrame, np.ndarray]:
    """Sessions per term, lower for disadvantaged pupils; also each row's pupil absence propensity."""
    rng, tr, upn, pid, prim, T = (ctx[x] for x in ("rng", "tr", "upn", "pid", "prim", "T"))
    dis = tr["dis"][pid]
    A = ctx["planted"]["attendance"]["absence_rate_multiplier"]
    base = (0.042 * np.where(dis, A["disadvantaged"], 1) * np.where(prim, 1, A["secondary"])
            * np.where(tr["sen"][pid] == "K", A["sen_K"], 1) * np.where(tr["sen"][pid] == "E", A["sen_E"], 1)
            * np.where(ctx["ua"][pid], 1.25, 1))
    mentored = ctx["mentee_row"][T] & (ctx["term"] < 2)   # the two mentoring terms
    pupil_prop = np.exp(rng.normal(0, 0.75, len(upn)) - 0.75 ** 2 / 2)[pid]
    rate = np.minimum(0.95, (base * pupil_prop)[T] * np.exp(rng.normal(-0.06, 0.35, len(T)))
                      * np.where(mentored, ctx["planted"]["mentoring"]["absence_multiplier"], 1))
    poss = np.array([140, 126, 114])[ctx["term"]]
    missed = rng.binomial(poss, rate)
    unauth = rng.binomial(missed, np.where(dis[T], 0.38, 0.22))
    return pd.DataFrame({"upn": upn[pid[T]], "academic_year": academic_year_label(ctx["s_row"][T]),
                         "period": np.array(TERMS)[ctx["term"]], "possible_sessions": poss,
                         "authorised_absence": missed - unauth, "unauthorised_absence": unauth}), pupil_prop


def _exclusions(ctx, pupil_prop) -> pd.DataFrame:
    """Suspensions (more for disadvantaged pupils) and a few permanent exclusions in a pupil's last year."""
    rng, tr, upn, pid, k, prim, s_row = (ctx[x] for x in ("rng", "tr", "upn", "pid", "k", "prim", "s_row"))
    lam = (np.where(prim, 0.012, 0.075)
           * np.where(tr["dis"][pid], ctx["planted"]["exclusions"]["suspension_rate_multiplier_disadvantaged"], 1)
           * np.where(tr["sen"][pid] != "N", 1.6, 1) * np.where(tr["male"][pid], 1.3, 0.75) * pupil_prop)
    e = np.repeat(np.arange(len(pid)), rng.poisson(lam))
    day = _school_day(rng, s_row[e], len(e))
    last_year = np.r_[pid[1:] != pid[:-1], True] & (k < ctx["K"] - 1)
    perm = ~prim[e] & last_year[e] & (rng.random(len(e)) < 0.08)
    ex = pd.DataFrame({"upn": upn[pid[e]], "academic_year": academic_year_label(s_row[e]), "start_date": iso_date(day),
                       "category": np.where(perm, "permanent", "suspension"),
                       "days": np.where(perm, np.nan, np.minimum(5, 1 + rng.poisson(0.8, len(e)))),
                       "reason": _REASONS[rng.integers(0, len(_REASONS), len(e))]})
    return ex.drop_duplicates(["upn", "start_date", "category"])


def _enrichment(ctx) -> pd.DataFrame:
    """Clubs, masterclasses, trips and competitions: taken up less by disadvantaged pupils."""
    rng, tr, upn, pid, yg, prim = (ctx[x] for x in ("rng", "tr", "upn", "pid", "yg", "prim"))
    reg, gen, dis = ctx["register"][pid] & (yg >= 1), ctx["gen"][pid], tr["dis"][pid]
    frames = []
    for phase, acts in _ENRICH.items():
        rows_ = np.flatnonzero((prim if phase == "primary" else ~prim) & (yg >= 1))
        for name, cat, p0, (lo, hi) in acts:
            if cat == "learner_academy":
                lp = np.where(reg[rows_], logit(0.75), logit(0.01))
            else:
                boost = {"masterclass": 2.0, "competition": 1.5}.get(cat, 0.2)
                lp = logit(p0) + boost * reg[rows_] + 0.3 * gen[rows_]
            lp = lp + np.log(ctx["planted"]["enrichment"]["odds_ratio_disadvantaged"]) * dis[rows_]
            took = rows_[rng.random(len(rows_)) < expit(lp)]
            frames.append(pd.DataFrame({"upn": upn[pid[took]], "academic_year": academic_year_label(ctx["s_row"][took]),
                                        "activity": name, "category": cat,
                                        "sessions_attended": rng.integers(lo, hi + 1, len(took))}))
    return pd.concat(frames, ignore_index=True)


def _parents_evenings(ctx) -> pd.DataFrame:
    """Two consultations a year; attendance lower for disadvantaged and EAL families."""
    rng, tr, pid, yg, prim = (ctx[x] for x in ("rng", "tr", "pid", "yg", "prim"))
    PE = ctx["planted"]["parents_evenings"]
    lp = (np.where(prim, 1.9, 1.0) + PE["log_odds_disadvantaged"] * tr["dis"][pid] + PE["log_odds_eal"] * tr["eal"][pid]
          + PE["log_odds_register"] * (ctx["register"][pid] & (yg >= 1)))
    frames = [pd.DataFrame({"upn": ctx["upn"][pid], "academic_year": academic_year_label(ctx["s_row"]), "event": ev,
                            "attended": yes_no(rng.random(len(pid)) < expit(lp))})
              for ev in ("Autumn consultation", "Spring consultation")]
    return pd.concat(frames, ignore_index=True)


def _surveys(ctx) -> pd.DataFrame:
    """Responses 1-5: pupils in Y3 and above, parents of any pupil."""
    rng, tr, upn, pid, yg, s_row = (ctx[x] for x in ("rng", "tr", "upn", "pid", "yg", "s_row"))
    reg, dis = ctx["register"][pid] & (yg >= 1), tr["dis"][pid]
    frames = []
    for who, qs, rows_, rr in (("pupil", _PUPIL_Q, np.flatnonzero(yg >= 3), 0.75),
                               ("parent", _PARENT_Q, np.arange(len(pid)), 0.4)):
        rows_ = rows_[rng.random(len(rows_)) < rr * np.where(dis[rows_], 0.7, 1)]
        person = rng.normal(0, 0.6, len(rows_))
        for qi, q in enumerate(qs):
            shift = ctx["planted"]["surveys"]["register_pupils_challenge_shift"] * reg[rows_] * (who == "pupil"
                                                                                               and qi == 0)
            z = 3.7 - 0.15 * qi + person + shift - 0.2 * dis[rows_] + rng.normal(0, 0.8, len(rows_))
            frames.append(pd.DataFrame({
                "upn": upn[pid[rows_]], "academic_year": academic_year_label(s_row[rows_]), "respondent": who,
                "survey": np.char.add("Pupil voice " if who == "pupil" else "Parent survey ",
                                      (s_row[rows_] + 1).astype("U4")),
                "question": q, "response": np.clip(np.round(z), 1, 5), "scale_min": 1.0, "scale_max": 5.0}))
    return pd.concat(frames, ignore_index=True)


def _self_evaluation(ctx) -> pd.DataFrame:
    """One rating per school per key area in the latest year, higher where the school effect is."""
    sch, ns = ctx["sch"], len(ctx["sch"])
    lvl = np.clip(np.round(1 + ctx["rng"].normal(0, 0.6, (ns, 5)) + sch["effect"].to_numpy()[:, None] * 4), 0, 2)
    return pd.DataFrame({
        "school_id": np.repeat(ctx["ids"], 5), "academic_year": academic_year_label(np.full(ns * 5, ctx["s0"] + ctx["K"] - 1)),
        "key_area": np.tile(np.arange(1, 6), ns),
        "rating": np.array(["Entry", "Developing", "Exemplary"])[lvl.astype(int).ravel()],
        "evidence": [_SEF[a][i % 2] for i in range(ns) for a in range(1, 6)]})
