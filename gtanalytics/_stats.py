"""Small interval and test helpers shared by the metric modules, and the small-group constants.

One home for the formulas that several modules need, each checked against statsmodels or
scipy in ``tests/test_stats.py``:

* :func:`z_value`, :func:`t_value`: two-sided normal and t quantiles for a confidence level;
* :func:`wilson_ci`: Wilson score interval for a proportion; :func:`binomial_se`: its standard error;
* :func:`newcombe_ci`: Newcombe's hybrid score interval for a difference of two proportions;
* :func:`welch_diff`: Welch's unequal-variance t interval for a difference of two means;
* :func:`mean_ci`: one-sample t interval for a mean;
* :func:`poisson_exact_ci`: exact (Garwood) interval for a Poisson count;
* :func:`ratio_cluster_ci`: a ratio of sums with a cluster (linearisation) standard error;
* :func:`koopman_ratio_ci`, :func:`katz_ratio_ci`, :func:`ratio_test_p`: a risk ratio of two
  proportions, its score or log interval and the test that interval inverts;
* :func:`ols`, :func:`full_rank_columns`: the one least-squares fit and its column screen;
* :func:`require_columns`: the one check for required input columns.

and the split-and-flag plumbing every metric shares: :func:`as_list`, :func:`iter_groups`
and :func:`warn_low_n`.

Two thresholds are kept apart on purpose:

* :data:`LOW_N` (10): the default below which a group is flagged ``low_n`` — too few pupils
  to conclude anything — with a :class:`~gtanalytics.errors.GTWarning`;
* :data:`SUPPRESSION_THRESHOLD` (6): the default below which
  :func:`gtanalytics.disclosure.suppress` hides a cell from governors (a privacy rule,
  not a statistical one).

Only numpy and scipy are used here.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from scipy import optimize, stats

from gtanalytics.errors import GTDataError, GTWarning

__all__ = [
    "LOW_N", "SUPPRESSION_THRESHOLD", "z_value", "t_value", "wilson_ci", "binomial_se", "newcombe_ci", "welch_diff",
    "welch_moments", "mean_ci", "poisson_exact_ci", "quasi_poisson_rate_ci", "ratio_cluster_ci", "as_list", "iter_groups", "warn_low_n",
    "require_columns", "ols", "full_rank_columns", "katz_ratio_ci", "koopman_ratio_ci", "ratio_test_p",
    "ESTIMATE_COLUMNS", "COUNT_COLUMNS", "vocabulary_column",
]

#: Default size below which a group is flagged ``low_n`` ("too few pupils to conclude").
LOW_N = 10
#: Default size below which :func:`gtanalytics.disclosure.suppress` hides a cell.
SUPPRESSION_THRESHOLD = 6

#: The result vocabulary (design.md §8). Every metric's result frame names its estimate with one of
#: these, in this order of preference: ``estimate`` in general; ``va`` value added, ``g`` Hedges' g and
#: ``gap`` a gap, as the public API fixes. Beside it: ``se, ci_low, ci_high, ci_method`` and ``low_n``.
ESTIMATE_COLUMNS = ("estimate", "va", "g", "gap")
#: The pupils in an estimate: ``n``; a two-group comparison without ``n`` gives the focus group's count
#: first (``n_treatment``/``n_comparison`` of an effect size, ``n_focus``/``n_other`` of a gap).
COUNT_COLUMNS = ("n", "n_treatment", "n_focus")


def vocabulary_column(row, names=ESTIMATE_COLUMNS) -> str | None:
    """The first of ``names`` that a result has: a DataFrame's columns, a Series' index or a dict's keys.

    Examples
    --------
    >>> vocabulary_column({"g": 0.3, "n_treatment": 20}), vocabulary_column({"g": 0.3}, COUNT_COLUMNS)
    ('g', None)
    """
    have = row.columns if hasattr(row, "columns") else row.index if hasattr(row, "index") else row
    return next((c for c in names if c in have), None)


def _check_confidence(confidence) -> float:
    try:
        ok = 0 < confidence < 1
    except TypeError:
        ok = False
    if not ok or isinstance(confidence, bool):
        raise GTDataError(f"confidence must be a number between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    return float(confidence)


def z_value(confidence: float = 0.95) -> float:
    """Two-sided standard normal quantile for a confidence level (1.96 for 0.95).

    Raises
    ------
    GTDataError
        When ``confidence`` is not strictly between 0 and 1.

    Examples
    --------
    >>> round(z_value(0.95), 4)
    1.96
    """
    return _z(_check_confidence(confidence))


@functools.lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    # cached: the same level is asked for once per 2x2 table or group in vectorised loops
    return float(stats.norm.ppf(0.5 + confidence / 2))


def t_value(confidence: float, df) -> float:
    """Two-sided Student t quantile for a confidence level and ``df`` degrees of freedom.

    Examples
    --------
    >>> round(t_value(0.95, 10), 4)
    2.2281
    """
    return float(stats.t.ppf(0.5 + _check_confidence(confidence) / 2, df))


def wilson_ci(count, n, *, confidence: float = 0.95):
    """Wilson score interval for a proportion ``count / n`` (arrays allowed).

    Parameters
    ----------
    count, n : array_like
        Successes and trials.
    confidence : float
        Two-sided coverage.

    Returns
    -------
    tuple of numpy.ndarray
        ``(low, high)`` as proportions (0-1); NaN where ``n`` is 0.

    Examples
    --------
    >>> lo, hi = wilson_ci(3, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1078, 0.6032)
    """
    z = z_value(confidence)
    k, m = np.asarray(count, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        half = z / (1 + z * z / m) * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def binomial_se(count, n) -> float:
    """Standard error of a proportion ``count / n``: ``sqrt(p (1 - p) / n)`` (NaN when ``n`` is 0).

    The ``se`` a result reports beside a score interval (Wilson, Newcombe): the interval is not built
    from it, but it lets a reader pool or compare estimates. A difference of two independent
    proportions has ``sqrt(se1**2 + se2**2)`` (the Wald standard error).

    Examples
    --------
    >>> round(binomial_se(7, 20), 4)
    0.1067
    """
    if not n:
        return math.nan
    p = count / n
    return math.sqrt(p * (1 - p) / n)


def newcombe_ci(k1, n1, k2, n2, *, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for a difference of two independent proportions, p1 − p2.

    Built from the two Wilson intervals (Newcombe 1998, method 10; statsmodels
    ``confint_proportions_2indep(method="newcomb")``).

    Parameters
    ----------
    k1, n1, k2, n2 : int
        Successes and trials in each group.
    confidence : float
        Two-sided coverage.

    Returns
    -------
    tuple of float
        ``(low, high)`` as proportions; NaN when either group is empty.

    Examples
    --------
    >>> lo, hi = newcombe_ci(56, 70, 48, 80)
    >>> round(lo, 4), round(hi, 4)
    (0.0524, 0.3339)
    """
    z_value(confidence)
    if not n1 or not n2:
        return math.nan, math.nan
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = (float(v) for v in wilson_ci(k1, n1, confidence=confidence))
    l2, u2 = (float(v) for v in wilson_ci(k2, n2, confidence=confidence))
    d = p1 - p2
    return (float(d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
            float(d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))


def welch_diff(a, b, *, confidence: float = 0.95) -> dict:
    """Difference of two independent means, ``mean(a) − mean(b)``, with a Welch t interval.

    Parameters
    ----------
    a, b : array_like
        The two samples (no missing values).
    confidence : float
        Two-sided coverage.

    Returns
    -------
    dict
        ``n1, n2, mean1, mean2, diff, se, df`` (Welch–Satterthwaite), ``ci_low, ci_high``.
        ``se``, ``df`` and the limits are NaN when a group has fewer than 2 values or both
        groups have no spread (the interval is then undefined, not zero-width).

    Examples
    --------
    >>> r = welch_diff([1.0, 2.0, 3.0], [2.0, 4.0, 6.0, 8.0])
    >>> round(r["diff"], 2), round(r["df"], 3)
    (-3.0, 4.075)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n1, n2 = len(a), len(b)
    m1 = float(np.mean(a)) if n1 else math.nan
    m2 = float(np.mean(b)) if n2 else math.nan
    v1 = float(np.var(a, ddof=1)) if n1 >= 2 else math.nan
    v2 = float(np.var(b, ddof=1)) if n2 >= 2 else math.nan
    r = welch_moments(n1, m1, v1, n2, m2, v2, confidence=confidence)
    return {"n1": n1, "n2": n2, "mean1": m1, "mean2": m2, "diff": m1 - m2,
            **{k: float(r[k][0]) for k in ("se", "df", "ci_low", "ci_high")}}


def welch_moments(n1, mean1, var1, n2, mean2, var2, *, confidence: float = 0.95) -> dict:
    """Welch comparisons ``mean1 − mean2`` from group sizes, means and variances (arrays allowed).

    The vectorised form of :func:`welch_diff`, for many groups at once (e.g. every school).

    Parameters
    ----------
    n1, mean1, var1, n2, mean2, var2 : array_like
        Size, mean and sample variance (ddof=1) of each side.
    confidence : float
        Two-sided coverage.

    Returns
    -------
    dict of numpy.ndarray
        ``diff, se, df, ci_low, ci_high``; ``se``, ``df`` and the limits are NaN where a side has
        fewer than 2 values or neither side has any spread.

    Examples
    --------
    >>> r = welch_moments([3], [2.0], [1.0], [4], [5.0], [6.6667])
    >>> round(float(r["df"][0]), 2)
    4.08
    """
    z_value(confidence)
    n1, n2 = np.atleast_1d(np.asarray(n1, dtype=float)), np.atleast_1d(np.asarray(n2, dtype=float))
    m1, m2 = np.atleast_1d(np.asarray(mean1, dtype=float)), np.atleast_1d(np.asarray(mean2, dtype=float))
    ok = (n1 >= 2) & (n2 >= 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(ok, np.asarray(var1, dtype=float) / n1, np.nan)
        b = np.where(ok, np.asarray(var2, dtype=float) / n2, np.nan)
        se = np.sqrt(a + b)
        ok &= se > 0
        se = np.where(ok, se, np.nan)
        df = np.where(ok, (a + b) ** 2 / (a ** 2 / (n1 - 1) + b ** 2 / (n2 - 1)), np.nan)
    half = np.full(se.shape, np.nan)
    half[ok] = stats.t.ppf(0.5 + confidence / 2, df[ok]) * se[ok]
    diff = m1 - m2
    return {"diff": diff, "se": se, "df": df, "ci_low": diff - half, "ci_high": diff + half}


def mean_ci(values, *, confidence: float = 0.95) -> dict:
    """Mean with a one-sample t interval (n − 1 df).

    Returns
    -------
    dict
        ``n, mean, sd, se, ci_low, ci_high``; ``sd``, ``se`` and the limits are NaN for
        fewer than 2 values.

    Examples
    --------
    >>> r = mean_ci([3.0, 4.0, 5.0, 6.0])
    >>> round(r["mean"], 2), round(r["ci_low"], 3)
    (4.5, 2.446)
    """
    z_value(confidence)
    v = np.asarray(values, dtype=float)
    n = len(v)
    m = float(np.mean(v)) if n else math.nan
    if n < 2:
        return {"n": n, "mean": m, "sd": math.nan, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    sd = float(np.std(v, ddof=1))
    se = sd / math.sqrt(n)
    h = t_value(confidence, n - 1) * se
    return {"n": n, "mean": m, "sd": sd, "se": se, "ci_low": m - h, "ci_high": m + h}


def poisson_exact_ci(count, *, confidence: float = 0.95):
    """Exact (Garwood, central) confidence interval for a Poisson count.

    Parameters
    ----------
    count : array_like
        Observed number of events.
    confidence : float
        Two-sided coverage.

    Returns
    -------
    tuple of numpy.ndarray
        ``(low, high)`` for the expected count; divide by the exposure for a rate.

    Examples
    --------
    >>> lo, hi = poisson_exact_ci(0)
    >>> float(lo), round(float(hi), 4)
    (0.0, 3.6889)
    """
    alpha = 1 - _check_confidence(confidence)
    k = np.asarray(count, dtype=float)
    low = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return low, high


def quasi_poisson_rate_ci(counts, *, confidence: float = 0.95):
    """Rate of events per person when the same people have repeat events (overdispersion).

    ``rate = sum(counts) / n``.  The overdispersion ``phi = max(1, s^2 / mean)`` (s^2 the
    variance of the per-person counts, n - 1; the quasi-Poisson Pearson scale) shrinks the
    information to an effective count ``k / phi``; the exact (Garwood) interval of that
    effective count, times ``phi / n``, is the interval.  With no repeats (``phi = 1``) it is
    the exact Poisson interval of the count.

    Parameters
    ----------
    counts : array_like
        Events per person, one entry for every person in the denominator (zeros included).
    confidence : float
        Two-sided coverage.

    Returns
    -------
    tuple of float
        ``(rate, phi, low, high)`` per person.

    Examples
    --------
    >>> rate, phi, lo, hi = quasi_poisson_rate_ci([0] * 95 + [1, 1, 3, 4, 6])
    >>> round(rate, 2), round(phi, 2)
    (0.15, 4.09)
    """
    alpha = 1 - _check_confidence(confidence)
    y = np.asarray(counts, dtype=float)
    n = len(y)
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan
    k, m = float(y.sum()), float(y.mean())
    phi = max(1.0, float(y.var(ddof=1)) / m) if n > 1 and m > 0 else 1.0
    eff = k / phi
    low = stats.chi2.ppf(alpha / 2, 2 * eff) / 2 if k > 0 else 0.0
    high = stats.chi2.ppf(1 - alpha / 2, 2 * eff + 2) / 2
    return m, phi, float(low) * phi / n, float(high) * phi / n


def ratio_cluster_ci(y, x, *, confidence: float = 0.95):
    """Ratio sum(y)/sum(x) with a cluster (one cluster per row, e.g. per pupil) standard error.

    ``se = sqrt(n/(n-1) * sum((y - R x)^2)) / sum(x)``: the linearisation variance of a
    ratio estimator, equal to a cluster-robust sandwich with small-sample factor
    n/(n-1).  Interval ``R +/- z se``, clipped to [0, 1].

    Parameters
    ----------
    y, x : array_like
        Numerator (e.g. sessions missed) and denominator (sessions possible) per cluster.
    confidence : float
        Two-sided coverage.

    Returns
    -------
    tuple of float
        ``(ratio, se, low, high)``; ``se`` and the limits are NaN for fewer than 2 clusters.

    Examples
    --------
    >>> r, se, lo, hi = ratio_cluster_ci([2, 10, 0], [20, 40, 10])
    >>> round(r, 4)
    0.1714
    """
    z = z_value(confidence)
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return np.nan, np.nan, np.nan, np.nan
    r = float(y.sum() / total)
    if n < 2:
        return r, np.nan, np.nan, np.nan
    se = float(np.sqrt(n / (n - 1) * np.sum((y - r * x) ** 2)) / total)
    return r, se, max(r - z * se, 0.0), min(r + z * se, 1.0)


# --------------------------------------------------------------------------- risk ratios
def _log_risk_ratio(a, b, c, d) -> tuple[float, float]:
    """log((a/(a+b)) / (c/(c+d))) and its Katz SE, a zero cell replaced by 0.5 (statsmodels ``shift_zeros``)."""
    a, b, c, d = (x if x else 0.5 for x in (a, b, c, d))
    return math.log((a / (a + b)) / (c / (c + d))), math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))


def katz_ratio_ci(a, b, c, d, *, confidence: float = 0.95) -> tuple[float, float]:
    """Katz log interval for the risk ratio ``(a/(a+b)) / (c/(c+d))`` of a 2x2 table; a zero cell is replaced by 0.5.

    As statsmodels ``Table2x2(table, shift_zeros=True).riskratio_confint()``.

    Examples
    --------
    >>> lo, hi = katz_ratio_ci(10, 30, 20, 140)
    >>> round(lo, 3), round(hi, 3)
    (1.018, 3.93)
    """
    centre, se = _log_risk_ratio(a, b, c, d)
    z = z_value(confidence)
    return math.exp(centre - z * se), math.exp(centre + z * se)


def koopman_ratio_ci(x1, n1, x2, n2, *, confidence: float = 0.95) -> tuple[float, float]:
    """Koopman (1984) score interval for the ratio of proportions ``(x1/n1) / (x2/n2)``.

    The bounds are the ratios theta at which the score statistic, with both proportions
    estimated under p1 = theta·p2 (restricted MLE, the root of a quadratic), equals ±z.  It is
    the Miettinen–Nurminen interval without their n/(n−1) factor (statsmodels
    ``confint_proportions_2indep(compare="ratio", method="score", correction=False)``), and
    stays defined when ``x1 = n1``.

    Examples
    --------
    >>> lo, hi = koopman_ratio_ci(10, 40, 20, 160)
    >>> round(lo, 3), round(hi, 3)
    (1.007, 3.798)
    """
    z = z_value(confidence)
    p1h, p2h = x1 / n1, x2 / n2

    def score(log_t):
        t = math.exp(log_t)
        qa, qb, qc = (n1 + n2) * t, -(n1 * t + x1 + n2 + x2 * t), x1 + x2
        p2 = (-qb - math.sqrt(max(qb * qb - 4 * qa * qc, 0.0))) / (2 * qa)
        p1 = t * p2
        v = p1 * (1 - p1) / n1 + t * t * p2 * (1 - p2) / n2
        return (p1h - t * p2h) / math.sqrt(v) if v > 0 else math.copysign(math.inf, p1h - t * p2h)

    lim = (math.log(1e-10), math.log(1e10))
    lo = 0.0 if x1 == 0 else math.exp(optimize.brentq(lambda u: score(u) - z, *lim, xtol=1e-13))
    hi = math.inf if x2 == 0 else math.exp(optimize.brentq(lambda u: score(u) + z, *lim, xtol=1e-13))
    return lo, hi


def ratio_test_p(a, b, c, d, *, method: str = "koopman") -> float:
    """Two-sided p-value, at risk ratio 1, of the test that the ``method``'s interval inverts.

    ``"koopman"``: the score statistic at theta = 1 is the pooled two-proportion z (Pearson
    chi-square without continuity correction); ``"katz"``: the Wald z of log(RR) with zero cells
    replaced by 0.5.  So p < 1 - confidence exactly when that interval excludes 1.

    Examples
    --------
    >>> round(ratio_test_p(10, 30, 20, 140), 4), round(ratio_test_p(10, 30, 20, 140, method="katz"), 4)
    (0.0477, 0.0443)
    """
    if method == "katz":
        centre, se = _log_risk_ratio(a, b, c, d)
        zs = centre / se
    else:
        n1, n2 = a + b, c + d
        pool = (a + c) / (n1 + n2)
        v = pool * (1 - pool) * (1 / n1 + 1 / n2)
        if v == 0:
            return 1.0
        zs = (a / n1 - c / n2) / math.sqrt(v)
    return float(2 * stats.norm.sf(abs(zs)))


# --------------------------------------------------------------------------- regression
def ols(y, X):
    """Ordinary least squares: coefficients, their classical covariance and the residual df.

    The one least-squares fit of the package (progress, effects, balance, interventions): by the
    QR factorisation ``X = QR``, so ``beta`` solves ``R beta = Q'y`` and the covariance is
    ``s^2 (R'R)^-1`` with ``s^2 = RSS / (n - p)``, as statsmodels' ``OLS(...).fit()`` gives.

    Parameters
    ----------
    y : array of n outcomes.
    X : n x p design matrix (include a column of ones for an intercept).

    Returns
    -------
    ``(beta, cov, df)``: the p coefficients, their p x p covariance ``s^2 (X'X)^-1`` (NaN when
    ``n = p``: no residual degrees of freedom) and ``n - p``.

    Raises
    ------
    GTDataError
        When ``X`` does not have full column rank: a column is constant (besides the intercept),
        duplicates a combination of others, or there are fewer rows than columns.

    Examples
    --------
    >>> import numpy as np
    >>> beta, cov, df = ols(np.array([1.0, 3.0, 5.0, 7.5]), np.column_stack([np.ones(4), np.arange(4.0)]))
    >>> [round(float(b), 2) for b in beta], df
    ([0.9, 2.15], 2)
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    q, r = np.linalg.qr(X)
    sv = np.linalg.svd(r, compute_uv=False)  # the singular values of X: its rank as np.linalg.matrix_rank
    if n < p or not sv.min() > sv.max() * max(n, p) * np.finfo(float).eps:
        raise GTDataError("The regression cannot be estimated: a covariate is constant, duplicates another, "
                          "or there are too few pupils. Remove that covariate.")
    # numpy's LAPACK only: scipy.linalg brings a second OpenBLAS whose idle threads spin beside numpy's,
    # which made every later pandas step about twice as slow on a 2-core machine.  R is p x p.
    rinv = np.linalg.inv(r)
    beta = rinv @ (q.T @ y)
    resid = y - X @ beta
    df = n - p
    s2 = float(resid @ resid) / df if df > 0 else math.nan
    return beta, s2 * (rinv @ rinv.T), df


def full_rank_columns(X) -> np.ndarray:
    """Indices of the columns kept left to right while each adds rank (drops constant or aliased dummies).

    Each step is ``np.linalg.matrix_rank(X[:, cols])`` with numpy's default tolerance, computed
    from the triangular factor of ``X = QR``: ``X[:, cols] = Q R[:, cols]`` with orthonormal ``Q``
    has the same singular values, so each SVD is of a small ``p x k`` matrix, not of every row.
    :func:`ols` accepts exactly the designs whose columns are all kept.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([0.0, 1, 0, 1, 1])
    >>> full_rank_columns(np.column_stack([np.ones(5), d, 1 - d, np.arange(5.0)])).tolist()
    [0, 1, 3]
    """
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    R = np.linalg.qr(X, mode="r") if n > p else X
    eps = np.finfo(float).eps
    keep: list[int] = []
    for j in range(p):
        cols = keep + [j]
        s = np.linalg.svd(R[:, cols], compute_uv=False)
        if int((s > s.max() * max(n, len(cols)) * eps).sum()) == len(cols):
            keep.append(j)
    return np.array(keep, dtype=int)


# --------------------------------------------------------------------------- split and flag
def require_columns(df, cols, table: str | None = None, *, caller: str | None = None,
                    hint: str | None = None) -> None:
    """Raise :class:`~gtanalytics.errors.GTDataError` unless ``df`` is a DataFrame holding every column in ``cols``.

    The one check for required input columns in the package: the message names the function
    (``caller``, when given), the table (when given), the missing columns, the columns found and
    the fix (``hint``; by default: rename the column or load the file through gtanalytics.load).

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"upn": [1]}), ["upn"])
    >>> require_columns(pd.DataFrame({"upn": [1]}), ["upn", "score"], "assessments")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gtanalytics.errors.GTDataError: The assessments table has no column 'score' (not in the data). Columns found: upn. ...
    >>> require_columns(pd.DataFrame({"upn": [1]}), ["sen"], "pupils", caller="dual_exceptionality",
    ...                 hint="Pass sen=<column>.")
    Traceback (most recent call last):
    ...
    gtanalytics.errors.GTDataError: dual_exceptionality(): the pupils table has no column 'sen' (not in the data). Columns found: upn. Pass sen=<column>.
    """
    what = f"the {table} table" if table else "the data"
    head = f"{caller}(): {what}" if caller else what[0].upper() + what[1:]
    if not hasattr(df, "columns"):
        raise GTDataError(f"{head} must be a pandas DataFrame; got {type(df).__name__}.")
    missing = list(dict.fromkeys(c for c in cols if c not in df.columns))
    if missing:
        raise GTDataError(f"{head} has no column {', '.join(map(repr, missing))} (not in the data). Columns found: "
                          f"{', '.join(map(str, df.columns))}. "
                          + (hint or "Rename the column or load the file through gtanalytics.load so MIS headers "
                                     "are mapped."))


def as_list(by) -> list:
    """``None`` → ``[]``, one column name → ``[name]``, a sequence → a list.

    Examples
    --------
    >>> as_list(None), as_list("school_id"), as_list(("a", "b"))
    ([], ['school_id'], ['a', 'b'])
    """
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def iter_groups(frame, keys):
    """Yield ``(labels, sub_frame)`` per combination of ``keys`` (sorted, blanks kept as a group).

    ``labels`` is a dict ``{key: value}``; without keys the whole frame is one group with ``{}``.

    Examples
    --------
    >>> import pandas as pd
    >>> [(k, len(g)) for k, g in iter_groups(pd.DataFrame({"s": ["b", "a", "b"]}), ["s"])]
    [({'s': 'a'}, 1), ({'s': 'b'}, 2)]
    """
    keys = as_list(keys)
    if not keys:
        yield {}, frame
        return
    for values, sub in frame.groupby(keys, dropna=False, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        yield dict(zip(keys, values)), sub


def warn_low_n(frame, min_n: int, what: str, *, stacklevel: int = 3) -> None:
    """Issue one :class:`~gtanalytics.errors.GTWarning` when any row of ``frame`` is flagged ``low_n``.

    ``what`` names the rows in the message, e.g. ``"gap"`` or ``"absence"``.
    """
    k = int(frame["low_n"].sum()) if len(frame) else 0
    if k:
        warnings.warn(f"{k} {what} row(s) rest on fewer than {min_n} pupils (flagged low_n): too few to "
                      "conclude; the estimates are unstable and their intervals wide.", GTWarning,
                      stacklevel=stacklevel)
