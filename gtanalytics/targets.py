"""Targets, on-track status and the under-achiever list (internal, senior leaders only).

* :func:`estimate_targets`: estimates from a value-added model, in the units of
  the outcome: the expected outcome, the outcome reached by the 80th and 95th
  percentile of *pupils* with the same prior attainment (``pupil_p80``,
  ``pupil_p95``: ``expected + z_q * sigma``), and, for a multilevel model, the
  outcome expected at a *school* at the 80th or 95th percentile of school value
  added among the schools in the data (``school_p80``, ``school_p95``). FFT's
  "top 20% / top 5%" estimates mean the latter, with all schools in England.
* :func:`on_track`: compares the latest internal assessment with the target
  percentile, on a scale-free basis (residual z-scores within the cohort).
* :func:`under_achievers`: G&T or high-prior-attaining pupils whose progress is
  well below expectation.  The list contains UPNs and names and is marked
  internal (``attrs["audience"] = "internal"``): never put it in a governor report.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.progress import ValueAddedResult, predict_expected, value_added
from gtanalytics.prior_attainment import prior_band
from gtanalytics._stats import require_columns

__all__ = ["estimate_targets", "on_track", "under_achievers"]


def estimate_targets(result: ValueAddedResult, df: pd.DataFrame | None = None, *,
                     percentiles=(50, 80, 95)) -> pd.DataFrame:
    """Expected outcome and stretching estimates for each pupil, in the outcome's units.

    Two kinds of estimate, named for what they are:

    * ``pupil_p<q>``: the outcome reached by the q-th percentile of pupils with the
      same prior attainment (``expected + z_q * sigma``; ``pupil_p80`` is beaten by
      about 20% of such pupils).  This is a spread of *pupils*.
    * ``school_p<q>`` (multilevel models only): the outcome expected for the pupil
      at a school at the q-th percentile of school value added among the schools
      in the data (``expected + z_q * sqrt(s2_between)``).  This is what FFT's
      "top 20% / top 5% of schools" estimates mean, but measured against the
      schools given, not all schools in England.

    Parameters
    ----------
    result : ValueAddedResult
        A fitted model (OLS, multilevel or benchmark).
    df : DataFrame, optional
        Pupils to set estimates for (e.g. the current Year 10, who have a
        prior but no outcome yet); default ``result.pupils``.
    percentiles : sequence of float
        Percentiles (50 = the expected outcome, 80 and 95 = stretching).

    Returns
    -------
    pandas.DataFrame
        ``df`` plus ``expected``, ``sigma`` (SD of pupils' outcomes around their
        expectation, in outcome units) and ``pupil_p<q>`` per percentile; a
        multilevel model adds ``sigma_schools`` (SD of school effects) and
        ``school_p<q>``.  For a benchmark model with ``divisor`` (10 for Progress
        8) ``sigma`` is the SD of pupil scores times the divisor, so that a
        Progress 8 model's estimates are Attainment 8 points like ``expected``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ks2": [95.0, 100, 105, 110, 98, 104], "gcse": [3.0, 4, 6, 7, 5, 5]})
    >>> t = estimate_targets(value_added(d, outcome="gcse", prior="ks2", min_n=1))
    >>> [c for c in t.columns if c.startswith("pupil_")]
    ['pupil_p50', 'pupil_p80', 'pupil_p95']
    """
    base = result.pupils if df is None else df
    out = base.copy()
    out["expected"] = predict_expected(result, base).to_numpy()
    m = result.model
    sigma = m.residual_sd * m.divisor   # va is (actual - expected) / divisor: back to outcome units
    out["sigma"] = sigma
    schools = m.method == "multilevel"
    if schools:
        out["sigma_schools"] = np.sqrt(m.sigma2_between)
    for q in percentiles:
        if not 0 < q < 100:
            raise GTDataError(f"percentiles must lie between 0 and 100, not {q!r}.")
        z = stats.norm.ppf(q / 100)
        out[f"pupil_p{q:g}"] = out["expected"] + z * sigma
        if schools:
            out[f"school_p{q:g}"] = out["expected"] + z * out["sigma_schools"]
    out.attrs["method"] = (f"normal: expected + z_q x {sigma:.4g} (pupils)"
                           + (f", + z_q x {np.sqrt(m.sigma2_between):.4g} (schools in the data)" if schools else "")
                           + f"; {m.method} model")
    return out


def on_track(df: pd.DataFrame, *, current: str, prior: str, target: float | str = 50,
             tolerance: float = 0.25, covariates=()) -> pd.DataFrame:
    """Is each pupil's latest internal assessment on track for their target percentile?

    The latest assessment is regressed on prior attainment over the pupils
    given (OLS, :func:`gtanalytics.progress.value_added`); each pupil's
    residual in SD units ``z_current`` is compared with ``z_target``, the
    normal quantile of the target percentile: "above" if ``z_current >
    z_target + tolerance``, "on track" within ``tolerance``, "below"
    otherwise.  This is a comparison within the cohort given, not with the
    nation.

    Parameters
    ----------
    current, prior : str
        Columns with the latest internal assessment and prior attainment.
    target : float or str
        Target percentile (50, 80, 95) for everyone, or a column holding it.
    tolerance : float
        Half-width of "on track", in residual SDs.

    Returns
    -------
    pandas.DataFrame
        ``df`` plus ``current_expected, z_current, z_target, status``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ks2": [95.0, 100, 105, 110, 98, 104], "spring": [92.0, 99, 110, 111, 96, 101]})
    >>> on_track(d, current="spring", prior="ks2")["status"].isin(["above", "on track", "below"]).all()
    np.True_
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = value_added(df, outcome=current, prior=prior, covariates=covariates, min_n=1)
    out = r.pupils.rename(columns={"expected": "current_expected", "va": "_va"})
    out["z_current"] = out["_va"] / r.model.residual_sd
    pct = df[target].astype(float) if isinstance(target, str) else pd.Series(float(target), index=df.index)
    if ((pct <= 0) | (pct >= 100)).any():
        raise GTDataError("Target percentiles must lie strictly between 0 and 100 (e.g. 50, 80, 95).")
    out["z_target"] = stats.norm.ppf(pct / 100)
    diff = out["z_current"] - out["z_target"]
    out["status"] = np.select([diff.isna(), diff > tolerance, diff >= -tolerance],
                              [None, "above", "on track"], default="below")
    return out.drop(columns="_va")


def under_achievers(result: ValueAddedResult, *, gt: str | None = "gt_register", high_prior: str | None = "ks2",
                    threshold: float = -1.0) -> pd.DataFrame:
    """G&T or high-prior-attaining pupils whose progress is well below expectation.

    Rule (documented and adjustable): the pupil is on the G&T register
    (column ``gt``) or has high prior attainment (:func:`prior_band` with
    scheme ``high_prior``), and their value added is below ``threshold``
    residual SDs (default -1: roughly the lowest 16% of pupils with the same
    prior attainment).  ``va_sd = va / model.residual_sd``.

    Parameters
    ----------
    result : ValueAddedResult
    gt : str or None
        Boolean G&T column in ``result.pupils`` (None: ignore the register).
    high_prior : str or None
        :func:`prior_band` scheme for "high" prior attainment (None: ignore).
    threshold : float
        Cut-off in residual SDs.

    Returns
    -------
    pandas.DataFrame
        Internal list, worst first: ``upn`` and ``forename, surname`` when
        present, any grouping columns (school, class), ``gt_register``,
        ``prior_band``, the outcome and prior columns, ``expected, va, va_sd,
        reason``.  ``attrs["audience"] = "internal"`` and ``attrs["rule"]``
        states the rule.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"upn": list("ABCDEF"), "ks2": [95.0, 100, 112, 110, 98, 104],
    ...                   "gcse": [3.0, 4, 4, 8, 5, 5], "gt_register": [False] * 6})
    >>> under_achievers(value_added(d, outcome="gcse", prior="ks2", min_n=1))["upn"].tolist()
    ['C']
    """
    if gt is None and high_prior is None:
        raise GTDataError("Give gt= (the G&T register column) and/or high_prior= (a prior_band scheme).")
    p = result.pupils
    spec = result.model.spec
    sel = pd.Series(False, index=p.index)
    reason = pd.Series("", index=p.index)
    if gt is not None:
        require_columns(p, [gt], "pupils", caller="under_achievers",
                        hint="gt= names the G&T register column; pass gt=None to use prior attainment only.")
        on_reg = p[gt].fillna(False).astype(bool)
        sel |= on_reg
        reason = reason.where(~on_reg, "G&T register")
    band = None
    if high_prior is not None:
        band = prior_band(p[spec["prior"]], scheme=high_prior)
        high = (band == "high").fillna(False).astype(bool)
        sel |= high
        reason = reason.where(~high, np.where(reason == "", "high prior attainment", reason + "; high prior attainment"))
    va_sd = p["va"] / result.model.residual_sd
    keep = sel & (va_sd < threshold)
    out = p.loc[keep].copy()
    out["va_sd"] = va_sd[keep]
    out["reason"] = reason[keep]
    if band is not None:
        out["prior_band"] = band[keep]
    cols = [c for c in ("upn", "forename", "surname", *spec.get("by", []), "school_id", "class_name", gt,
                        "prior_band", spec["outcome"], spec["prior"], "expected", "va", "va_sd", "reason")
            if c is not None and c in out.columns]
    out = out[list(dict.fromkeys(cols))].sort_values("va_sd", ignore_index=True)
    out.attrs["audience"] = "internal"
    out.attrs["rule"] = (f"{'G&T register' if gt else ''}{' or ' if gt and high_prior else ''}"
                         f"{'high prior attainment (' + high_prior + ')' if high_prior else ''}, and value added "
                         f"below {threshold:g} residual SD ({result.model.residual_sd:.4g})")
    return out
