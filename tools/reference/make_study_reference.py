#!/usr/bin/python3
"""Reference values for the study module's tests (edx fair-study statistics).

Run with Debian's python (/usr/bin/python3 with python3-numpy, python3-scipy
and python3-statsmodels):

    /usr/bin/python3 tools/reference/make_study_reference.py

Writes signals/reference/study/study_reference.json: fixed data sets (drawn
once from a seeded numpy generator and rounded, so they hold ties as real
latencies measured at a sample interval do), the statistics computed on them
by outside implementations, and the library versions. The tests compare edx
against this file; they never run Python. Rerun only to move to other library
versions, and commit the output with the versions recorded in it.

What computes each reference:
- Wilson intervals: statsmodels.stats.proportion.proportion_confint(method='wilson').
- AUC: scipy.stats.mannwhitneyu U / (n1 n0). The ROC points and the
  Youden-optimal cut-off: numpy, from their definitions (sklearn is not in
  Debian's scientific stack here).
- DeLong variance of the AUC: implemented here with numpy following Sun & Xu
  (2014), the fast midrank form of DeLong, DeLong & Clarke-Pearson (1988), and
  checked against the O(n1 n0) structural components of DeLong et al. (1988)
  computed directly. edx computes the placements with sorted searches, a third
  route to the same numbers.
- Spearman rho and its p-value: scipy.stats.spearmanr. The interval: Fisher z
  with the Bonett & Wright (2000) standard error sqrt((1 + rho^2 / 2) / (n - 3)),
  computed here with scipy.stats.norm.
- ICC(2,1): the mean squares from a two-way ANOVA fitted by statsmodels
  (ols('y ~ C(subject) + C(session)') and anova_lm), checked against the numpy
  sums of squares; the coefficient (Shrout & Fleiss 1979) and its interval
  (McGraw & Wong 1996, case 2A, Satterthwaite degrees of freedom) from them
  with scipy.stats.f (pingouin is not packaged in Debian).
- Bland-Altman: numpy mean and SD of the differences; the intervals of the
  bias (t) and of the limits (Bland & Altman 1999, SE = s sqrt(1/n + z^2 / (2 (n - 1)))),
  with scipy.stats.t and scipy.stats.norm.
- Buderer (1996) sample sizes: scipy.stats.norm for z.
"""
import json
import math
import os
import sys

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy import stats
from statsmodels.formula.api import ols
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.proportion import proportion_confint

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "signals", "reference", "study")
CONFIDENCE = 0.95
Z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))


def floats(a):
    return [float(v) for v in a]


# --- Wilson ---------------------------------------------------------------

def wilson_cases():
    cases = []
    for count, n in [(0, 10), (10, 10), (1, 1), (0, 1), (37, 41), (49, 57), (5, 200), (100, 200), (999, 1000), (3, 7)]:
        lo, hi = proportion_confint(count, n, alpha=1 - CONFIDENCE, method="wilson")
        cases.append({"successes": count, "trials": n, "lo": float(lo), "hi": float(hi)})
    return cases


# --- ROC, AUC, DeLong, Youden ----------------------------------------------

def roc_points(pos, neg):
    """Rule: positive when value >= threshold; thresholds every distinct value, descending."""
    points = [{"threshold": None, "tpr": 0.0, "fpr": 0.0}]
    for t in np.unique(np.concatenate([pos, neg]))[::-1]:
        points.append({"threshold": float(t), "tpr": float(np.mean(pos >= t)), "fpr": float(np.mean(neg >= t))})
    return points


def midranks(x):
    """Midranks (1-based, ties averaged), as Sun & Xu's compute_midrank."""
    return stats.rankdata(x, method="average")


def delong_fast(pos, neg):
    """Sun & Xu (2014): AUC and its DeLong variance from midranks."""
    m, n = len(pos), len(neg)
    tz = midranks(np.concatenate([pos, neg]))
    tx = midranks(pos)
    ty = midranks(neg)
    auc = (np.sum(tz[:m]) - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:m] - tx) / n
    v01 = 1.0 - (tz[m:] - ty) / m
    var = np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n
    return float(auc), float(var), v10, v01


def delong_direct(pos, neg):
    """DeLong et al. (1988): the kernel psi(x, y) = 1, 1/2, 0 over every pair."""
    psi = (pos[:, None] > neg[None, :]).astype(float) + 0.5 * (pos[:, None] == neg[None, :])
    v10 = psi.mean(axis=1)
    v01 = psi.mean(axis=0)
    auc = psi.mean()
    var = np.var(v10, ddof=1) / len(pos) + np.var(v01, ddof=1) / len(neg)
    return float(auc), float(var)


def youden(points):
    """Largest tpr - fpr over the thresholds (the origin excluded); ties: the highest threshold."""
    best = None
    for p in points[1:]:  # descending thresholds: the first maximum is the highest threshold
        j = p["tpr"] - p["fpr"]
        if best is None or j > best["j"] + 1e-15:
            best = {"cutoff": p["threshold"], "j": j, "sensitivity": p["tpr"], "specificity": 1 - p["fpr"]}
    return best


def roc_case(name, pos, neg, criterion):
    pos = np.asarray(pos, float)
    neg = np.asarray(neg, float)
    m, n = len(pos), len(neg)
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
    auc_mw = float(u) / (m * n)
    auc_fast, var_fast, _, _ = delong_fast(pos, neg)
    auc_direct, var_direct = delong_direct(pos, neg)
    assert abs(auc_fast - auc_mw) < 1e-12 and abs(auc_direct - auc_mw) < 1e-12, name
    assert abs(var_fast - var_direct) < 1e-12 * max(1.0, var_direct), name
    points = roc_points(pos, neg)
    trapezoid = sum((b["fpr"] - a["fpr"]) * (a["tpr"] + b["tpr"]) / 2 for a, b in zip(points, points[1:]))
    assert abs(trapezoid - auc_mw) < 1e-12, name
    se = math.sqrt(var_fast)
    tp = int(np.sum(pos >= criterion))
    tn = int(np.sum(neg < criterion))
    sens = proportion_confint(tp, m, alpha=1 - CONFIDENCE, method="wilson")
    spec = proportion_confint(tn, n, alpha=1 - CONFIDENCE, method="wilson")
    return {
        "name": name,
        "positives": floats(pos),
        "negatives": floats(neg),
        "criterion": criterion,
        "true_positives": tp,
        "true_negatives": tn,
        "sensitivity": tp / m,
        "sensitivity_wilson": floats(sens),
        "specificity": tn / n,
        "specificity_wilson": floats(spec),
        "auc": auc_mw,
        "auc_variance_delong": var_fast,
        "auc_ci95": [max(0.0, auc_mw - Z * se), min(1.0, auc_mw + Z * se)],
        "roc": points,
        "youden": youden(points),
    }


def roc_cases(rng):
    cases = []
    # Delays as a cohort gives them: affected legs N(2.66, 0.68), others N(0.36, 0.5),
    # with a few false positives among the others; 0.1 ms resolution (ties).
    pos = np.round(rng.normal(2.66, 0.68, 41), 1)
    neg = np.round(np.concatenate([rng.normal(0.36, 0.5, 48), rng.normal(2.4, 0.6, 9)]), 1)
    cases.append(roc_case("cohort_like", pos, neg, 1.86))
    # Heavy ties: values from a handful of levels.
    pos = rng.choice([0.0, 1.0, 2.0, 3.0], size=15, p=[0.1, 0.2, 0.3, 0.4]).astype(float)
    neg = rng.choice([0.0, 1.0, 2.0, 3.0], size=20, p=[0.4, 0.3, 0.2, 0.1]).astype(float)
    cases.append(roc_case("heavy_ties", pos, neg, 2.0))
    # Perfect separation: AUC 1, DeLong variance 0.
    cases.append(roc_case("separated", [2.0, 2.5, 3.1, 4.0], [0.1, 0.4, 0.9], 1.86))
    # Worse than chance, small.
    cases.append(roc_case("inverted", [0.2, 0.5, 1.1, 0.3, 2.2], [1.9, 2.5, 0.5, 3.3, 2.0, 2.8], 1.86))
    return cases


# --- Spearman --------------------------------------------------------------

def spearman_case(name, x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    res = stats.spearmanr(x, y)
    rho, p = float(res.correlation), float(res.pvalue)
    n = len(x)
    case = {"name": name, "x": floats(x), "y": floats(y), "n": n, "rho": rho, "p_value": p}
    if n > 3 and abs(rho) < 1:
        se = math.sqrt((1 + rho * rho / 2) / (n - 3))
        z = math.atanh(rho)
        case["ci95_bonett_wright"] = [math.tanh(z - Z * se), math.tanh(z + Z * se)]
    return case


def spearman_cases(rng):
    cases = []
    # Symptom duration (months, to 0.5) against a delay that rises weakly with it.
    months = np.round(rng.uniform(1, 36, 41) * 2) / 2
    delay = np.round(1.8 + 0.03 * months + rng.normal(0, 0.6, 41), 1)
    cases.append(spearman_case("duration_weak", months, delay))
    months = np.round(rng.uniform(1, 12, 12))
    delay = np.round(3.5 - 0.15 * months + rng.normal(0, 0.4, 12), 1)
    cases.append(spearman_case("duration_negative_ties", months, delay))
    cases.append(spearman_case("five", [1, 2, 3, 4, 5], [2.0, 1.0, 4.0, 3.0, 5.0]))
    months = rng.uniform(1, 24, 200)
    delay = rng.normal(2.0, 0.7, 200)
    cases.append(spearman_case("none_200", months, delay))
    return cases


# --- ICC(2,1) and Bland-Altman ---------------------------------------------

def icc_case(name, y):
    """y: subjects x sessions."""
    y = np.asarray(y, float)
    n, k = y.shape
    grand = y.mean()
    ssr = k * np.sum((y.mean(axis=1) - grand) ** 2)
    ssc = n * np.sum((y.mean(axis=0) - grand) ** 2)
    sst = np.sum((y - grand) ** 2)
    sse = sst - ssr - ssc
    # The same sums of squares by statsmodels' two-way ANOVA.
    frame = pd.DataFrame({"y": y.ravel(), "subject": np.repeat(np.arange(n), k), "session": np.tile(np.arange(k), n)})
    table = anova_lm(ols("y ~ C(subject) + C(session)", data=frame).fit(), typ=2)
    ss_subject = float(table.loc["C(subject)", "sum_sq"])
    ss_session = float(table.loc["C(session)", "sum_sq"])
    ss_error = float(table.loc["Residual", "sum_sq"])
    assert abs(ss_subject - ssr) < 1e-9 * max(1.0, ssr), name
    assert abs(ss_session - ssc) < 1e-9 * max(1.0, ssr), name
    assert abs(ss_error - sse) < 1e-9 * max(1.0, ssr), name
    msr = ss_subject / (n - 1)
    msc = ss_session / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    icc = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    alpha = 1 - CONFIDENCE
    a = k * icc / (n * (1 - icc))
    b = 1 + k * icc * (n - 1) / (n * (1 - icc))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    f_lo = stats.f.ppf(1 - alpha / 2, n - 1, v)
    f_hi = stats.f.ppf(1 - alpha / 2, v, n - 1)
    lo = n * (msr - f_lo * mse) / (f_lo * (k * msc + (k * n - k - n) * mse) + n * msr)
    hi = n * (f_hi * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f_hi * msr)
    return {"name": name, "ratings": [floats(row) for row in y], "n": n, "k": k,
            "ms_subjects": msr, "ms_sessions": msc, "ms_error": mse, "icc": float(icc),
            "df_satterthwaite": float(v), "ci95": [float(lo), float(hi)]}


def bland_altman_case(name, first, second):
    first = np.asarray(first, float)
    second = np.asarray(second, float)
    d = second - first
    n = len(d)
    bias = float(np.mean(d))
    sd = float(np.std(d, ddof=1))
    t = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))
    bias_se = sd / math.sqrt(n)
    limit_se = sd * math.sqrt(1 / n + Z * Z / (2 * (n - 1)))
    lower = bias - Z * sd
    upper = bias + Z * sd
    return {"name": name, "first": floats(first), "second": floats(second), "n": n, "bias": bias, "sd": sd,
            "bias_ci95": [bias - t * bias_se, bias + t * bias_se],
            "lower_limit": lower, "lower_limit_ci95": [lower - t * limit_se, lower + t * limit_se],
            "upper_limit": upper, "upper_limit_ci95": [upper - t * limit_se, upper + t * limit_se]}


def agreement_cases(rng):
    icc, ba = [], []
    # Test-retest of 30 legs: true delay, session bias 0.1 ms, measurement SD 0.3 ms, 0.1 ms resolution.
    true = np.concatenate([rng.normal(2.66, 0.68, 14), rng.normal(0.36, 0.5, 16)])
    y = np.round(np.column_stack([true + rng.normal(0, 0.3, 30), true + 0.1 + rng.normal(0, 0.3, 30)]), 1)
    icc.append(icc_case("retest_30x2", y))
    ba.append(bland_altman_case("retest_30", y[:, 0], y[:, 1]))
    # Three sessions of 15 legs.
    true = rng.normal(1.5, 1.0, 15)
    y = np.round(np.column_stack([true + rng.normal(s * 0.2, 0.4, 15) for s in range(3)]), 2)
    icc.append(icc_case("retest_15x3", y))
    # Poor agreement: noise as large as the spread between subjects.
    true = rng.normal(1.0, 0.3, 12)
    y = np.round(np.column_stack([true + rng.normal(0, 0.5, 12), true + rng.normal(0.3, 0.5, 12)]), 2)
    icc.append(icc_case("poor_12x2", y))
    ba.append(bland_altman_case("poor_12", y[:, 0], y[:, 1]))
    return icc, ba


# --- Buderer ----------------------------------------------------------------

def buderer_cases():
    cases = []
    for se, sp, w, prev in [(0.881, 0.832, 0.05, 0.19), (0.881, 0.832, 0.10, 0.19), (0.881, 0.832, 0.05, 0.5),
                            (0.9, 0.85, 0.07, 0.3)]:
        npos = Z * Z * se * (1 - se) / (w * w)
        nneg = Z * Z * sp * (1 - sp) / (w * w)
        cases.append({"sensitivity": se, "specificity": sp, "precision": w, "prevalence": prev, "z": Z,
                      "positives_for_sensitivity": npos, "negatives_for_specificity": nneg,
                      "subjects_for_sensitivity": npos / prev, "subjects_for_specificity": nneg / (1 - prev),
                      "subjects": math.ceil(max(npos / prev, nneg / (1 - prev)))})
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261128)
    icc, ba = None, None
    ref = {
        "generator": "tools/reference/make_study_reference.py",
        "python_version": sys.version.split()[0],
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "statsmodels_version": statsmodels.__version__,
        "pandas_version": pd.__version__,
        "confidence": CONFIDENCE,
        "z": Z,
        "wilson": wilson_cases(),
        "roc": roc_cases(rng),
        "spearman": spearman_cases(rng),
    }
    icc, ba = agreement_cases(rng)
    ref["icc_2_1"] = icc
    ref["bland_altman"] = ba
    ref["buderer"] = buderer_cases()
    path = os.path.join(OUT, "study_reference.json")
    with open(path, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    main()
