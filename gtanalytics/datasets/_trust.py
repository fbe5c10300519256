"""Who is in the synthetic trust: its schools, the pupils' enrolment spells, their characteristics and UPNs.

Used by :mod:`gtanalytics.datasets`, which adds the latent abilities, classes, teachers and
assessments. Every function takes the random generator and draws in a fixed order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gtanalytics.datasets._tables import expit, logit

_ETH = np.array(["WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
                 "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"])
_ETH_P = np.array([60, .5, .4, 7, 1, 2, .9, 1.2, 2, 3, 4, 1.5, 1.5, 2, 4.5, .8, .6, 1.8, .5, .8])
_ETH_DISADV = dict(WROM=1.5, WIRT=1.5, BCRB=0.7, MWBC=0.7, APKN=0.4, ABAN=0.5, BAFR=0.4, BOTH=0.5,
                   CHNE=-0.6, AIND=-0.6)
_ETH_EAL = dict(WBRI=.01, WIRI=.05, WIRT=.05, WOTH=.7, WROM=.6, CHNE=.7, OOTH=.7, BCRB=.03, BAFR=.5, BOTH=.5,
                AIND=.55, APKN=.6, ABAN=.65, AOTH=.6)
_LAS = [886, 887, 888, 889, 890, 891, 892, 893, 894, 895, 896, *range(201, 214), *range(301, 321),
        *range(330, 337), *range(340, 345), *range(350, 360), *range(370, 385), *range(390, 395),
        *range(800, 827), *range(830, 861)][:150]
_PRIMARY_NAMES = ["Oakfield Primary", "Riverside Primary", "St Anne's CofE Primary", "Millbrook Primary",
                  "Hawthorn Primary", "Brookside Infant and Junior"]
_SECONDARY_NAMES = ["Kingsmead Academy", "Hollins Park School", "Westfield High", "Castle Vale Academy"]


def trust_schools(n_primary, n_secondary, sizes, rng, national=False, only_year=None):
    """The schools of a synthetic trust (or a national sample): phase, LA, establishment number, name and size."""
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


def enrol(rng, sch, K, s0, churn=0.04, transfer=0.6):
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


def pupil_traits(rng, n, disadv_rate):
    """Pupil characteristics (one per pupil), with the DfE codes and their associations."""
    eth = _ETH[rng.choice(len(_ETH), n, p=_ETH_P / _ETH_P.sum())]
    off = pd.Series(eth).map(_ETH_DISADV).fillna(0).to_numpy()
    ever6 = rng.random(n) < expit(logit(disadv_rate) + off)
    lac, plac = rng.random(n) < 0.005, rng.random(n) < 0.008
    fsm = ever6 & (rng.random(n) < 0.65)
    u = rng.random(n)
    sen = np.where(u < np.where(ever6, 0.035, 0.02), "E", np.where(u < np.where(ever6, 0.2, 0.13), "K", "N"))
    eal = rng.random(n) < pd.Series(eth).map(_ETH_EAL).fillna(0.2).to_numpy()
    return dict(eth=eth, ever6=ever6, fsm=fsm, lac=lac, plac=plac, dis=ever6 | lac | plac, sen=sen, eal=eal,
                male=rng.random(n) < 0.5)

