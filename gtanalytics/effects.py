"""Standardised effect sizes for interventions, and the EEF months'-progress conversion.

Three designs are covered by :func:`effect_size`:

* **post-test only** (no ``pretest``): Hedges' *g* from the two post-test means
  and the pooled SD, with Hedges's exact small-sample correction
  ``J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, ``m = N - 2``, and the
  large-sample variance ``1/n1 + 1/n2 + g^2 / (2 (n1 + n2))`` (the EEF DIY guide's
  effect size; methodology notes §5.2-5.3; equal to R
  ``metafor::escalc(measure="SMD")``, which uses the same exact ``J`` and "LS" variance).
* **with a pre-test** (``pretest=``): the ANCOVA-adjusted difference ``b``
  (ordinary least squares of outcome on treatment and pre-test) divided by the
  unconditional (total) SD of the outcome (the EEF convention for the point
  estimate) and multiplied by the same ``J``; its interval is ``J`` times the
  adjusted difference's *t* interval divided by the SD.  This interval uses the
  precision the pre-test buys; the Hedges-Olkin variance ``1/n1 + 1/n2 +
  g^2/(2N)`` seen in some evaluation reports ignores the pre-test and is wider by
  about ``1/sqrt(1 - r^2)`` (r the pre-post correlation).  EEF's "Statistical
  analysis guidance for EEF evaluations" (2018, 2022) could not be retrieved: the
  point estimate follows a secondary description of it (adjusted difference over
  the total SD; methodology notes §5.3), while the small-sample factor ``J`` and the
  interval are this package's choices, not EEF's variance formula.
* **whole classes or schools** (``cluster=``): a random-intercept model per
  cluster (:func:`gtanalytics.multilevel.fit_random_intercept`, REML) gives the
  intraclass correlation and the adjusted difference, and Hedges (2007) "Effect
  sizes in cluster-randomized designs", *JEBS* 32(4), 341-370, gives the
  within-cluster and total-variance effect sizes with their variances
  (:func:`hedges2007`: his unequal-cluster-size formulas, every cluster with its
  own size; an average cluster size made the variance of ``d_W`` about half the
  true one and the intervals cover 86% instead of 95%).

:func:`es_to_months` converts an effect size to the EEF Teaching and Learning
Toolkit's months of additional progress (shipped table ``eef_months``);
:func:`standardised_mean_change` is the paired pre->post effect size; and
:func:`ratio_gain` / :func:`ratio_gain_band` handle reading and spelling ages
(Brooks's ratio gains; bands in the shipped table ``brooks_ratio_gain``,
UNCONFIRMED).
"""

from __future__ import annotations

import warnings
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from scipy import special

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.reference import load_reference
from gtanalytics._stats import LOW_N, ols, require_columns, t_value, z_value

__all__ = [
    "effect_size",
    "hedges_g",
    "hedges2007",
    "standardised_mean_change",
    "es_to_months",
    "months_label",
    "ratio_gain",
    "ratio_gain_band",
]

# LOW_N (re-exported from gtanalytics._stats): fewer pupils than this in either group makes an
# effect size unstable (flagged ``low_n``).


# --------------------------------------------------------------------------- months
def _round2(x: float) -> float:
    """Round to 2 d.p. by the shortest decimal that represents ``x``, halves away from zero."""
    if not np.isfinite(x):
        return x
    return float(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _j_exact(m: float) -> float:
    """Hedges's exact small-sample correction J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))."""
    return float(np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2)))


def es_to_months(es):
    """Convert an effect size to the EEF Toolkit's months of additional progress.

    The effect size is rounded to 2 decimal places and looked up in the
    shipped table ``eef_months`` (EEF Teaching and Learning Toolkit, CONFIRMED;
    methodology notes §5.1). Rounding is by the written decimal value, halves
    away from zero (as Excel's ROUND in EEF's effect size calculator): 0.185 is
    0.19, not 0.18 as binary floating point and round-half-even would give.
    Negative effect sizes map symmetrically to negative months; anything beyond
    1.00 is 12 months (say "12+", see :func:`months_label`).

    Parameters
    ----------
    es : float or array-like
        Effect size(s).

    Returns
    -------
    float or numpy.ndarray
        Signed whole months (as floats so that a missing effect size stays NaN).

    Examples
    --------
    >>> es_to_months(0.18), es_to_months(0.185), es_to_months(-0.4), es_to_months(1.3)
    (2.0, 3.0, -5.0, 12.0)
    """
    table = load_reference("eef_months")
    arr = np.asarray(es, dtype=float)
    mag = np.vectorize(_round2, otypes=[float])(np.abs(arr)) if arr.size else np.abs(arr)
    # the table's upper bounds are inclusive at 2 d.p.; add half a unit of the
    # last decimal so floating representation of e.g. 0.18 never falls between rows
    uppers = table["es_to"].to_numpy(dtype=float) + 0.005
    idx = np.searchsorted(uppers, mag, side="right")
    months = table["months"].to_numpy(dtype=float)[np.minimum(idx, len(table) - 1)]
    out = np.where(np.isnan(arr), np.nan, np.sign(arr) * months)
    out = out + 0.0  # turn -0.0 into 0.0
    return float(out) if out.ndim == 0 else out


def months_label(es) -> str | list[str]:
    """Plain-English months of progress: ``"+3 months"``, ``"-1 month"``, ``"12+ months"``.

    Parameters
    ----------
    es : float or array-like
        Effect size(s), as for :func:`es_to_months`.

    Returns
    -------
    str or list of str
        The label(s); ``"not available"`` for a missing effect size.

    Examples
    --------
    >>> months_label(0.4), months_label(1.2), months_label(0.0)
    ('+5 months', '12+ months', '0 months')
    """
    arr = np.atleast_1d(np.asarray(es, dtype=float))
    months = np.atleast_1d(es_to_months(arr))
    labels = []
    for e, m in zip(arr, months):
        if np.isnan(e):
            labels.append("not available")
            continue
        plus = "+" if _round2(abs(e)) > 1.0 else ""
        sign = "+" if m > 0 and not plus else ("-" if m < 0 else "")
        unit = "month" if abs(m) == 1 and not plus else "months"
        labels.append(f"{sign}{int(abs(m))}{plus} {unit}")
    return labels[0] if np.ndim(es) == 0 else labels


# --------------------------------------------------------------------------- ratio gains
def ratio_gain(pre, post, elapsed_months):
    """Ratio gain: gain in reading or spelling age (months) / months elapsed between the tests.

    Parameters
    ----------
    pre, post : float or array-like
        Ages (in months) on the pre- and post-test.
    elapsed_months : float or array-like
        Months between the two tests (must be positive).

    Returns
    -------
    float or numpy.ndarray
        The ratio gain (1.0 = normal progress; NaN where elapsed time is not positive).

    Examples
    --------
    >>> ratio_gain(96, 108, 6)
    2.0
    """
    pre, post, el = (np.asarray(a, dtype=float) for a in (pre, post, elapsed_months))
    out = np.where(el > 0, (post - pre) / np.where(el > 0, el, 1.0), np.nan)
    return float(out) if out.ndim == 0 else out


def ratio_gain_band(rg, *, thresholds=None):
    """Brooks's impact band for a ratio gain: modest, useful, substantial, remarkable.

    The thresholds 1.4 / 2.0 / 3.0 are widely attributed to Brooks but are
    UNCONFIRMED against his text (shipped table ``brooks_ratio_gain``); pass
    your own as ``thresholds=(useful_from, substantial_from, remarkable_from)``.

    Parameters
    ----------
    rg : float or array-like
        Ratio gain(s).
    thresholds : tuple of three floats, optional
        Lower bounds of the useful, substantial and remarkable bands.

    Returns
    -------
    str or list of str
        Band name(s); ``"not available"`` for NaN.

    Examples
    --------
    >>> ratio_gain_band(1.39), ratio_gain_band(1.4), ratio_gain_band(3.0)
    ('modest', 'useful', 'remarkable')
    """
    if thresholds is None:
        t = load_reference("brooks_ratio_gain")
        thresholds = tuple(t["rg_from"].to_numpy(dtype=float)[1:])
    cuts = np.asarray(thresholds, dtype=float)
    if cuts.shape != (3,) or np.any(np.diff(cuts) <= 0):
        raise GTDataError(f"thresholds must be three increasing numbers; got {thresholds!r}.")
    names = np.array(["modest", "useful", "substantial", "remarkable"])
    arr = np.atleast_1d(np.asarray(rg, dtype=float))
    out = [("not available" if np.isnan(v) else str(names[np.searchsorted(cuts, v, side="right")])) for v in arr]
    return out[0] if np.ndim(rg) == 0 else out


# --------------------------------------------------------------------------- building blocks
def hedges_g(treatment, comparison, *, confidence: float = 0.95) -> dict:
    """Hedges' g for two independent groups from their raw scores.

    ``d = (mean_t - mean_c) / S_pooled``; ``g = J d`` with Hedges's exact
    ``J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, ``m = N - 2``;
    ``var = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))``; interval ``g +/- z se``.
    Equal to ``metafor::escalc(measure="SMD")`` (exact ``J``, "LS" variance).

    Parameters
    ----------
    treatment, comparison : array-like
        Scores of the two groups (missing values are dropped).
    confidence : float
        Confidence level of the normal-theory interval.

    Returns
    -------
    dict
        ``d, g, j, variance, se, ci_low, ci_high, n_treatment, n_comparison,
        mean_treatment, mean_comparison, sd_pooled``.

    Examples
    --------
    >>> r = hedges_g([5, 6, 7, 8], [4, 5, 6, 5])
    >>> round(float(r["g"]), 3)
    1.206
    """
    t = np.asarray(treatment, dtype=float)
    c = np.asarray(comparison, dtype=float)
    t, c = t[~np.isnan(t)], c[~np.isnan(c)]
    n1, n2 = len(t), len(c)
    if n1 < 2 or n2 < 2:
        raise GTDataError(
            f"An effect size needs at least 2 pupils with scores in each group; got {n1} in the "
            f"treatment group and {n2} in the comparison group."
        )
    sp = np.sqrt(((n1 - 1) * t.var(ddof=1) + (n2 - 1) * c.var(ddof=1)) / (n1 + n2 - 2))
    if sp == 0:
        raise GTDataError("Every score is the same within each group, so no standardised effect can be computed.")
    d = (t.mean() - c.mean()) / sp
    j = _j_exact(n1 + n2 - 2)
    g = j * d
    var = 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))
    se = np.sqrt(var)
    z = z_value(confidence)
    return dict(d=d, g=g, j=j, variance=var, se=se, ci_low=g - z * se, ci_high=g + z * se,
                n_treatment=n1, n_comparison=n2, mean_treatment=t.mean(), mean_comparison=c.mean(),
                sd_pooled=sp)


def standardised_mean_change(pre, post, *, sd=None, confidence: float = 0.95) -> dict:
    """Paired pre->post effect size standardised by the pre-test SD (or a given SD).

    With ``sd=None`` this is the standardised mean change with raw-score
    standardisation (Becker 1988; ``metafor::escalc(measure="SMCR")``):
    ``d = (mean_post - mean_pre) / SD_pre``, bias-corrected by Hedges's exact
    ``J(n - 1)`` (as metafor), variance ``2 (1 - r) / n + g^2 / (2 n)``
    with ``r`` the pre-post correlation. With ``sd`` given (for example 15 for
    nationally standardised scores, avoiding the narrow SD of pupils chosen for
    low scores) the gain is divided by that SD and its variance is
    ``var(gain) / (n sd^2)``.

    Parameters
    ----------
    pre, post : array-like
        Paired scores (pairs with a missing value are dropped).
    sd : float, optional
        A fixed standardiser instead of the pre-test SD.
    confidence : float
        Confidence level of the normal-theory interval.

    Returns
    -------
    dict
        ``estimate, variance, se, ci_low, ci_high, ci_method, n, r, standardiser`` (a description).

    Examples
    --------
    >>> r = standardised_mean_change([80, 84, 86, 90], [85, 86, 92, 93])
    >>> r["standardiser"]
    'SD of pre-test scores (Becker SMCR, bias-corrected)'
    """
    pre = np.asarray(pre, dtype=float)
    post = np.asarray(post, dtype=float)
    ok = ~(np.isnan(pre) | np.isnan(post))
    pre, post = pre[ok], post[ok]
    n = len(pre)
    z = z_value(confidence)
    if n < 3:
        nan = float("nan")
        return dict(estimate=nan, variance=nan, se=nan, ci_low=nan, ci_high=nan, ci_method=None, n=n, r=nan,
                    standardiser="not computed (fewer than 3 pupils)")
    gain = post - pre
    r = float(np.corrcoef(pre, post)[0, 1]) if pre.std() > 0 and post.std() > 0 else float("nan")
    if sd is None:
        s = pre.std(ddof=1)
        if s == 0:
            raise GTDataError("Every pre-test score is the same, so the pre-test SD cannot standardise the gain; "
                              "pass sd= (for example 15 for standardised scores).")
        j = _j_exact(n - 1)
        es = j * gain.mean() / s
        var = 2 * (1 - r) / n + es**2 / (2 * n)
        label = "SD of pre-test scores (Becker SMCR, bias-corrected)"
    else:
        es = gain.mean() / float(sd)
        var = gain.var(ddof=1) / (n * float(sd) ** 2)
        label = f"fixed SD of {float(sd):g}"
    se = np.sqrt(var)
    return dict(estimate=es, variance=var, se=se, ci_low=es - z * se, ci_high=es + z * se,
                ci_method="normal: estimate +/- z*se", n=n, r=r, standardiser=label)


def hedges2007(outcome, treatment, cluster, *, icc: float, confidence: float = 0.95) -> dict:
    """Hedges (2007) within-cluster and total-variance effect sizes for unequal clusters.

    Hedges, L. V. (2007). Effect sizes in cluster-randomized designs. *JEBS* 32(4), 341-370,
    section on unequal cluster sizes: every cluster keeps its own size.  With ``N_T, N_C``
    pupils and clusters of sizes ``n_i`` in each arm (``M`` clusters in all, ``N`` pupils),

    * ``n_U = N_C sum(n_Ti^2) / (N_T N) + N_T sum(n_Ci^2) / (N_C N)``;
    * ``d_W = D / S_W``, ``V(d_W) = N / (N_T N_C) (1 + (n_U - 1) rho) / (1 - rho) + d_W^2 / (2 (N - M))``;
    * ``d_T = D / S_T sqrt(1 - (K - 2) rho / (N - 2))`` with ``K = sum(n_Ti^2)/N_T + sum(n_Ci^2)/N_C``
      (``E[S_T^2] = sigma^2 (1 - (K - 2) rho / (N - 2))``, exactly);
    * ``V(d_T) = N / (N_T N_C) (1 + (n_U - 1) rho)
      + d_T^2 ((N - 2)(1 - rho)^2 + A rho^2 + 2 B rho (1 - rho)) / (2 (N - 2) ((N - 2) - (K - 2) rho))``,
      ``A = sum over arms of (N_a^2 sum(n^2) + (sum(n^2))^2 - 2 N_a sum(n^3)) / N_a^2``,
      ``B = sum over arms of (N_a - sum(n^2) / N_a)``.

    With equal clusters of size ``n`` these reduce to Hedges's equations for equal sizes
    (``n_U = n``, ``K = 2n``, ``A = n (N - 2n)``, ``B = N - 2n``).  ``D`` is the difference of
    the arm means, ``S_T`` the pooled total SD, ``S_W`` the pooled within-cluster SD.

    Parameters
    ----------
    outcome : array-like
        Post-test scores.
    treatment : array-like of bool
        True for pupils in the intervention arm.
    cluster : array-like
        Cluster (class or school) of each pupil; a cluster belongs to one arm.
    icc : float
        Intraclass correlation ``rho`` (between-cluster variance / total, within arms).
    confidence : float
        Coverage of the normal intervals ``d +/- z sqrt(V)``.

    Returns
    -------
    dict
        ``d_within, variance_within, ci_low_within, ci_high_within, d_total, variance_total,
        ci_low_total, ci_high_total, icc, n_clusters, mean_cluster_size, n_u, sd_total, sd_within``.

    Examples
    --------
    >>> r = hedges2007([5, 6, 7, 4, 6, 5, 3, 4, 5, 2], [True] * 5 + [False] * 5,
    ...                ["a", "a", "a", "b", "b", "c", "c", "d", "d", "d"], icc=0.1)
    >>> round(r["n_u"], 3), round(r["d_total"], 3)
    (2.6, 1.44)
    """
    y = np.asarray(outcome, dtype=float)
    treat = np.asarray(treatment, dtype=bool)
    frame = pd.DataFrame({"y": y, "t": treat, "c": np.asarray(cluster).astype(str)})
    if frame.groupby("c")["t"].nunique().gt(1).any():
        raise GTDataError("A cluster holds pupils of both groups; Hedges (2007) needs whole clusters in one group "
                          "(use effect_size without cluster= for pupils randomised within classes).")
    rho = float(icc)
    if not 0 <= rho < 1:
        raise GTDataError(f"The intraclass correlation must lie in [0, 1); got {icc!r}.")
    z = z_value(confidence)
    yt, yc = y[treat], y[~treat]
    n_t, n_c = len(yt), len(yc)
    N = n_t + n_c
    diff = yt.mean() - yc.mean()
    s_t = np.sqrt(((n_t - 1) * yt.var(ddof=1) + (n_c - 1) * yc.var(ddof=1)) / (N - 2))
    ssw = float(((frame["y"] - frame.groupby("c")["y"].transform("mean")) ** 2).sum())
    M = frame["c"].nunique()
    s_w = np.sqrt(ssw / (N - M))
    sizes = [frame.loc[frame["t"] == arm].groupby("c").size().to_numpy(dtype=float) for arm in (True, False)]
    sq = [float((n ** 2).sum()) for n in sizes]
    cube = [float((n ** 3).sum()) for n in sizes]
    tot = [float(n_t), float(n_c)]
    n_u = tot[1] * sq[0] / (tot[0] * N) + tot[0] * sq[1] / (tot[1] * N)
    k = sq[0] / tot[0] + sq[1] / tot[1]
    a = sum((na ** 2 * s2 + s2 ** 2 - 2 * na * s3) / na ** 2 for na, s2, s3 in zip(tot, sq, cube))
    b = sum(na - s2 / na for na, s2 in zip(tot, sq))
    first = N / (n_t * n_c) * (1 + (n_u - 1) * rho)
    d_w = diff / s_w
    var_w = first / (1 - rho) + d_w ** 2 / (2 * (N - M))
    d_t = diff / s_t * np.sqrt(1 - (k - 2) * rho / (N - 2))
    num = (N - 2) * (1 - rho) ** 2 + a * rho ** 2 + 2 * b * rho * (1 - rho)
    var_t = first + d_t ** 2 * num / (2 * (N - 2) * ((N - 2) - (k - 2) * rho))
    out = dict(d_within=d_w, variance_within=var_w,
               ci_low_within=d_w - z * np.sqrt(var_w), ci_high_within=d_w + z * np.sqrt(var_w),
               d_total=d_t, variance_total=var_t,
               ci_low_total=d_t - z * np.sqrt(var_t), ci_high_total=d_t + z * np.sqrt(var_t),
               icc=rho, mean_cluster_size=N / M, n_u=n_u, sd_total=s_t, sd_within=s_w)
    return {**{k: float(v) for k, v in out.items()}, "n_clusters": int(M)}


def _fit_multilevel(y, X, groups):
    try:
        from gtanalytics.multilevel import fit_random_intercept
    except ImportError as exc:  # pragma: no cover - depends on the multilevel module being present
        raise GTDataError("cluster= needs gtanalytics.multilevel, which is not available in this installation.") from exc
    fit = fit_random_intercept(y, X, groups, reml=True)
    beta = np.asarray(fit.beta, dtype=float)
    if getattr(fit, "cov_beta", None) is not None:
        se = np.sqrt(np.diag(np.asarray(fit.cov_beta, dtype=float)))
    else:
        se = np.asarray(fit.beta_se, dtype=float)
    return beta, se, float(fit.sigma2_between), float(fit.sigma2_within)


# --------------------------------------------------------------------------- public entry point
def effect_size(df: pd.DataFrame, *, outcome: str, group: str, treatment, pretest: str | None = None,
                cluster: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Standardised effect of an intervention on an outcome, with its interval and EEF months.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per pupil.
    outcome : str
        Column holding the post-test score.
    group : str
        Column saying which group each pupil was in (exactly two values).
    treatment
        The value of ``group`` that marks the pupils who had the intervention;
        every other value is the comparison group.
    pretest : str, optional
        Column holding the pre-test score. When given, the effect is the
        ANCOVA-adjusted difference (OLS of outcome on group and pre-test)
        divided by the unconditional SD of the outcome (the EEF convention as
        described secondhand), times Hedges's exact small-sample ``J``; the
        interval is ``J`` times the ANCOVA t interval of the difference over
        the SD.  That interval is not EEF's own variance formula (EEF's
        statistical analysis guidance was not retrieved); it is usually
        narrower than the Hedges-Olkin ``1/n1 + 1/n2 + g^2/(2N)``.
    cluster : str, optional
        Column naming the class or school when whole clusters took part. A
        random-intercept model (REML) is fitted; the headline ``g`` is the
        model's adjusted treatment difference divided by the total SD from the
        unconditional model (random intercept only), and Hedges (2007)
        within-cluster and total-variance effect sizes are added.
    confidence : float, default 0.95
        Confidence level of every interval.

    Returns
    -------
    pandas.DataFrame
        One row with columns:

        * ``method`` - ``"hedges_g"``, ``"ancova"`` or ``"multilevel"``;
        * ``g`` - the effect size (Hedges' g, or the standardised adjusted difference);
        * ``d`` - the uncorrected standardised difference (``g = J d`` for Hedges' g and
          ANCOVA; ``d = g`` for multilevel);
        * ``variance, se, ci_low, ci_high`` - its sampling variance, standard error and interval;
        * ``ci_method`` - how the interval was made;
        * ``difference, difference_se`` - the raw (adjusted) difference in outcome points;
        * ``sd`` - the standardiser, ``sd_method`` - what it is;
        * ``n_treatment, n_comparison`` - pupils with usable scores;
        * ``months, months_label`` - EEF Toolkit months of progress (point estimate);
        * ``low_n`` - fewer than :data:`LOW_N` pupils in a group;
        * with ``cluster`` also ``icc`` (from a random-intercept model of the post-test
          with the treatment), ``n_clusters, mean_cluster_size, n_u, d_within,
          variance_within, ci_low_within, ci_high_within, d_total, variance_total,
          ci_low_total, ci_high_total`` (:func:`hedges2007`, post-test only).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"post": [5, 6, 7, 8, 4, 5, 6, 5], "arm": ["T"] * 4 + ["C"] * 4})
    >>> r = effect_size(df, outcome="post", group="arm", treatment="T")
    >>> round(float(r["g"].iloc[0]), 3), int(r["months"].iloc[0])
    (1.206, 12)
    """
    needed = [outcome, group] + [c for c in (pretest, cluster) if c is not None]
    require_columns(df, needed, caller="effect_size")
    values = df[group].dropna().unique()
    if treatment not in set(values):
        raise GTDataError(f"No row has {group} == {treatment!r}; values present: {list(values)}.")
    if len(values) != 2:
        raise GTDataError(f"Column {group!r} must hold exactly two groups (treatment and comparison); "
                          f"it holds {len(values)}: {list(values)}. Filter the data first.")
    data = df[needed].copy()
    for c in [outcome] + ([pretest] if pretest else []):
        data[c] = pd.to_numeric(data[c], errors="coerce")
    data = data.dropna()
    y = data[outcome].to_numpy(dtype=float)
    treat = (data[group] == treatment).to_numpy(dtype=bool)
    z = z_value(confidence)
    n_t, n_c = int(treat.sum()), int((~treat).sum())
    if min(n_t, n_c) < 2:
        raise GTDataError(f"An effect size needs at least 2 pupils with scores in each group; got {n_t} "
                          f"in the treatment group and {n_c} in the comparison group.")
    if (cluster is not None or pretest is not None) and np.ptp(y) == 0:
        raise GTDataError(f"Every {outcome} score is the same, so no standardised effect can be computed.")
    out: dict = {}
    if cluster is None and pretest is None:
        h = hedges_g(y[treat], y[~treat], confidence=confidence)
        out = dict(method="hedges_g", g=h["g"], d=h["d"], variance=h["variance"], se=h["se"],
                   ci_low=h["ci_low"], ci_high=h["ci_high"], ci_method="normal: g +/- z*se (Hedges & Olkin)",
                   difference=h["mean_treatment"] - h["mean_comparison"],
                   difference_se=h["sd_pooled"] * np.sqrt(1 / n_t + 1 / n_c),
                   sd=h["sd_pooled"], sd_method="pooled within-group SD of the outcome")
    elif cluster is None:
        X = np.column_stack([np.ones(len(y)), treat.astype(float), data[pretest].to_numpy(dtype=float)])
        if np.linalg.matrix_rank(X) < 3:
            raise GTDataError(f"The pre-test {pretest!r} is constant or only tells the groups apart, so it cannot "
                              "adjust the comparison; leave out pretest= or check the column.")
        beta, cov, dfree = ols(y, X)
        sd = y.std(ddof=1)
        b, se_b = beta[1], np.sqrt(cov[1, 1])
        tq = t_value(confidence, dfree)
        j = _j_exact(len(y) - 2)
        out = dict(method="ancova", g=j * b / sd, d=b / sd, variance=(j * se_b / sd) ** 2, se=j * se_b / sd,
                   ci_low=j * (b - tq * se_b) / sd, ci_high=j * (b + tq * se_b) / sd,
                   ci_method=(f"J x t interval of the ANCOVA difference ({dfree} df) / SD; uses the pre-test's "
                              "precision (narrower than the Hedges-Olkin 1/n1 + 1/n2 + g^2/(2N))"),
                   difference=b, difference_se=se_b, sd=sd,
                   sd_method="unconditional (total) SD of the outcome (EEF convention for the point estimate, "
                             "as described secondhand; the interval is not EEF's variance formula)")
    else:
        groups = data[cluster].astype(str).to_numpy()
        if len(y) <= len(set(zip(groups, treat))):
            raise GTDataError(f"Each {cluster} holds one pupil per group, so there is no within-{cluster} variation "
                              "to separate from the between-cluster variance; leave out cluster=.")
        cols = [np.ones(len(y)), treat.astype(float)]
        if pretest:
            cols.append(data[pretest].to_numpy(dtype=float))
        beta, se_beta, s2b, s2w = _fit_multilevel(y, np.column_stack(cols), groups)
        _, _, s2b0, s2w0 = _fit_multilevel(y, np.ones((len(y), 1)), groups)
        if pretest:   # the ICC of the post-test within arms: a model with the treatment only
            _, _, s2b, s2w = _fit_multilevel(y, np.column_stack(cols[:2]), groups)
        sd = np.sqrt(s2b0 + s2w0)
        b, se_b = beta[1], se_beta[1]
        out = dict(method="multilevel", g=b / sd, d=b / sd, variance=(se_b / sd) ** 2, se=se_b / sd,
                   ci_low=(b - z * se_b) / sd, ci_high=(b + z * se_b) / sd,
                   ci_method="normal interval of the random-intercept (REML) difference divided by the SD",
                   difference=b, difference_se=se_b, sd=sd,
                   sd_method="total SD (between + within) of the unconditional random-intercept model (EEF)")
        hedges = hedges2007(y, treat, groups, icc=s2b / (s2b + s2w), confidence=confidence)
        for k in ("sd_total", "sd_within"):
            hedges.pop(k)
        out.update(hedges)
        if hedges["n_clusters"] < 10:
            warnings.warn(f"Only {hedges['n_clusters']} clusters: the between-cluster variance, and so the "
                          "interval, is unstable.", GTWarning, stacklevel=2)
    out.update(n_treatment=n_t, n_comparison=n_c, months=es_to_months(out["g"]),
               months_label=months_label(out["g"]), low_n=min(n_t, n_c) < LOW_N)
    if out["low_n"]:
        warnings.warn(f"Small groups ({n_t} treated, {n_c} comparison pupils): the effect size is imprecise.",
                      GTWarning, stacklevel=2)
    first = ["method", "g", "se", "ci_low", "ci_high", "n_treatment", "n_comparison", "months"]
    frame = pd.DataFrame([out])
    return frame[first + [c for c in frame.columns if c not in first]]
