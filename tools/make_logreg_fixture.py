#!/usr/bin/python3
"""Writes the logistic-regression parity fixture, pipeline-core/src/test/resources/fixtures/logreg/fixture.json:
a small seeded synthetic feature set and what scikit-learn fits on it, for LogisticRegressionParityTest.

Run with Debian's python (apt-get install python3-sklearn), not a virtualenv:
    /usr/bin/python3 tools/make_logreg_fixture.py

The data: 4 classes, 24 features, 12 training speakers with 6..14 utterances each (120 in all) and 4 held-out
speakers with 10 each; every feature is class mean + speaker offset + noise, then given its own offset and
scale (so standardisation matters), and rounded to float32 (the values written are float32's shortest
decimal forms, so Java reads exactly the numbers scikit-learn was given). Classes overlap: accuracy is well
below 100%.

What scikit-learn computes. Every fit is StandardScaler + LogisticRegression(penalty='l2', C, multi_class=
'multinomial') solved by 'newton-cg' with tol = 1e-10 * n_samples: scikit-learn 1.2's newton-cg minimises
sum(log-loss) + |W|^2 / (2C), so that asks for 1e-10 on the largest component of the gradient of the mean
loss + |W|^2 / (2Cn), the objective the Java side minimises; the script fails above 1e-8 and records the worst.
Its 'lbfgs' has the same minimiser but stops early here (L-BFGS-B's ftol = 64 eps fires at gradients of ~1e-6,
probabilities ~1e-5 off the optimum, even with tol 1e-12; the script records how far), too loose for a 1e-5
parity test.
  fixed      the fit with C=FIXED_C on the 120 training utterances: coef_, intercept_ (the intercept centred over
             classes: softmax is invariant to a common shift), predict_proba and predict on training and
             held-out utterances, accuracy on both
  absent     the same fit on the training utterances without class 3 (the model has 3 classes) and its
             probabilities on the held-out utterances
  cv         for each C of logspace(-4, 2, 13): the same pipeline fitted on all but one of K speaker-grouped
             folds, balanced_accuracy_score (mean recall over the classes present) on the held-out fold, the
             mean over folds; the chosen C is the first (smallest) C whose mean is within 1e-12 of the best
  folds      the fold of each speaker, by scikit-learn GroupKFold's rule with ties broken deterministically
             (largest speakers first, equal sizes in ascending speaker id; each to the fold with the fewest
             utterances so far, lowest index on ties), the rule SpeakerFolds implements
"""
import json
import os

import numpy as np
import scipy
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                   "pipeline-core", "src", "test", "resources", "fixtures", "logreg", "fixture.json")
SEED = 20240917
CLASSES = 4
DIM = 24
TRAIN_COUNTS = [9, 14, 6, 10, 12, 7, 10, 13, 8, 10, 12, 9]  # per training speaker spk00..spk11; sums to 120
TEST_SPEAKERS = 4
TEST_PER_SPEAKER = 10
FIXED_C = 0.3
GRID = np.logspace(-4, 2, 13)
FOLDS = 4
TIE = 1e-12


def estimator(c, n_samples, solver="newton-cg"):
    tol = 1e-10 * n_samples if solver == "newton-cg" else 1e-12
    return make_pipeline(StandardScaler(),
                         LogisticRegression(penalty="l2", C=c, multi_class="multinomial", solver=solver, tol=tol,
                                            max_iter=100000))


WORST_GRADIENT = [0.0]


def fit(c, x, y):
    """The pipeline fitted on (x, y); fails unless it is converged on the mean-scaled objective. (newton-cg's line
    search sometimes gives up, with a warning, at gradients of a few 1e-9; parameters are then within ~1e-8 of
    the optimum, far inside the test's tolerances.)"""
    model = estimator(c, len(y)).fit(x, y)
    gradient = scaled_gradient(model, x, y, c)
    if gradient > 1e-8:
        raise SystemExit("newton-cg did not converge at C=%g: gradient %.3g" % (c, gradient))
    WORST_GRADIENT[0] = max(WORST_GRADIENT[0], gradient)
    return model


def scaled_gradient(model, x, y, c):
    """Largest |component| of the gradient of mean log-loss + |W|^2 / (2Cn) at the fitted coefficients."""
    lr = model[-1]
    z = model[0].transform(x)
    onehot = np.eye(len(lr.classes_))[np.searchsorted(lr.classes_, y)]
    scores = z @ lr.coef_.T + lr.intercept_
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    grad_w = (p - onehot).T @ z / n + lr.coef_ / (c * n)
    grad_b = (p - onehot).sum(axis=0) / n
    return float(max(np.abs(grad_w).max(), np.abs(grad_b).max()))


def make_data(rng):
    class_means = rng.normal(0.0, 0.45, (CLASSES, DIM))
    offsets = rng.normal(0.0, 5.0, DIM)
    scales = 10.0 ** rng.uniform(-1.5, 1.5, DIM)

    def speaker(index, count):
        spk_offset = rng.normal(0.0, 0.5, DIM)
        labels = [(index + u) % CLASSES for u in range(count)]
        raw = class_means[labels] + spk_offset + rng.normal(0.0, 1.0, (count, DIM))
        return (offsets + scales * raw).astype(np.float32), labels

    xs, ys, spks = [], [], []
    for s, count in enumerate(TRAIN_COUNTS):
        x, y = speaker(s, count)
        xs.append(x)
        ys += y
        spks += ["spk%02d" % s] * count
    train = (np.concatenate(xs), np.array(ys), spks)
    xs, ys, spks = [], [], []
    for s in range(TEST_SPEAKERS):
        x, y = speaker(s, TEST_PER_SPEAKER)
        xs.append(x)
        ys += y
        spks += ["test%02d" % s] * TEST_PER_SPEAKER
    test = (np.concatenate(xs), np.array(ys), spks)
    return train, test


def fold_of_speaker(speakers, k):
    counts = {}
    for s in speakers:
        counts[s] = counts.get(s, 0) + 1
    order = sorted(counts, key=lambda s: (-counts[s], s))
    load = [0] * k
    fold = {}
    for s in order:
        lightest = min(range(k), key=lambda f: (load[f], f))
        load[lightest] += counts[s]
        fold[s] = lightest
    return fold


def centred(intercept):
    return intercept - intercept.mean()


def sig(values, digits=10):
    """Floats rounded to `digits` significant digits (the test tolerances are far coarser)."""
    return [float("%.*g" % (digits, v)) for v in np.asarray(values, dtype=np.float64).ravel()]


def f32(matrix):
    """float32 values as their shortest decimal forms, row by row."""
    return [[float(str(np.float32(v))) for v in row] for row in matrix]


def main():
    rng = np.random.default_rng(SEED)
    (x, y, spk), (xt, yt, spkt) = make_data(rng)
    x64, xt64 = x.astype(np.float64), xt.astype(np.float64)

    model = fit(FIXED_C, x64, y)
    lbfgs = estimator(FIXED_C, len(y), solver="lbfgs").fit(x64, y)
    lr = model[-1]
    fixed = {
        "c": FIXED_C,
        "coef": [sig(row) for row in lr.coef_],
        "intercept_centred": sig(centred(lr.intercept_)),
        "n_iter": int(lr.n_iter_[0]),
        "train_proba": [sig(row) for row in model.predict_proba(x64)],
        "train_predict": model.predict(x64).tolist(),
        "train_accuracy": float(model.score(x64, y)),
        "test_proba": [sig(row) for row in model.predict_proba(xt64)],
        "test_predict": model.predict(xt64).tolist(),
        "test_accuracy": float(model.score(xt64, yt)),
        "scaler_mean": sig(model[0].mean_),
        "scaler_scale": sig(model[0].scale_),
        # Not tested: how far scikit-learn's lbfgs (tol 1e-12) stops from the optimum on this fit.
        "lbfgs_gradient": scaled_gradient(lbfgs, x64, y, FIXED_C),
        "lbfgs_max_proba_diff": float(np.abs(lbfgs.predict_proba(xt64) - model.predict_proba(xt64)).max()),
    }

    keep = y != 3
    absent_model = fit(FIXED_C, x64[keep], y[keep])
    absent = {
        "c": FIXED_C,
        "absent_class": 3,
        "classes": absent_model[-1].classes_.tolist(),
        "test_proba": [sig(row) for row in absent_model.predict_proba(xt64)],
    }

    fold = fold_of_speaker(spk, FOLDS)
    fold_idx = np.array([fold[s] for s in spk])
    scores = []
    for c in GRID:
        per_fold = []
        for f in range(FOLDS):
            tr, te = fold_idx != f, fold_idx == f
            m = fit(c, x64[tr], y[tr])
            per_fold.append(float(balanced_accuracy_score(y[te], m.predict(x64[te]))))
        scores.append({"c": float(c), "mean_ua": float(np.mean(per_fold)), "fold_ua": per_fold})
    best = 0
    for i, s in enumerate(scores):
        if s["mean_ua"] > scores[best]["mean_ua"] + TIE:
            best = i
    chosen = scores[best]["c"]
    refit = fit(chosen, x64, y)

    fixture = {
        "generator": "tools/make_logreg_fixture.py",
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
        "seed": SEED,
        "solver": "newton-cg",
        "worst_scaled_gradient": WORST_GRADIENT[0],
        "classes": CLASSES,
        "train": {"features": f32(x), "labels": y.tolist(), "speakers": spk},
        "test": {"features": f32(xt), "labels": yt.tolist(), "speakers": spkt},
        "fixed": fixed,
        "absent": absent,
        "cv": {
            "folds": FOLDS,
            "fold_of_speaker": dict(sorted(fold.items())),
            "grid": [float(c) for c in GRID],
            "scores": scores,
            "chosen_c": chosen,
            "refit_test_predict": refit.predict(xt64).tolist(),
            "refit_test_proba": [sig(row) for row in refit.predict_proba(xt64)],
        },
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as out:
        json.dump(fixture, out, separators=(",", ":"))
        out.write("\n")
    print("wrote %s (%d bytes): fixed-C train accuracy %.3f, test accuracy %.3f, CV chose C=%g (mean UA %.3f)"
          % (OUT, os.path.getsize(OUT), fixed["train_accuracy"], fixed["test_accuracy"], chosen,
             scores[best]["mean_ua"]))
    print("worst gradient of any fit %.2e; lbfgs: gradient %.2e, probabilities off by %.2e"
          % (WORST_GRADIENT[0], fixed["lbfgs_gradient"], fixed["lbfgs_max_proba_diff"]))
    for s in scores:
        print("  C=%-10.4g mean UA %.4f  folds %s" % (s["c"], s["mean_ua"], " ".join("%.3f" % u for u in s["fold_ua"])))


if __name__ == "__main__":
    main()
