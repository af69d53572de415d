#!/usr/bin/env python3
"""Fits the rational erf approximation used by FastErf (pipeline-core, io.serdistill.model.wav2vec2).

erf(x) ~ x P(x^2) / Q(x^2) on [0, 3.92] (erf is odd; beyond 3.92 it is 1 to float precision), Q(0) = 1, by
linearised weighted least squares on Chebyshev nodes with Lawson-style reweighting towards minimax. Prints the
degrees tried, the max error in double and when evaluated in float32 (Horner), and the coefficients; FastErf uses
degree 5 / 5. Needs only NumPy. Run: python3 tools/fit_erf.py
"""
from math import erf

import numpy as np

LIMIT = 3.92


def fit(p_deg, q_deg, iters=30, n=4000):
    x = LIMIT * (1 - np.cos(np.linspace(0, np.pi, n))) / 2
    y = np.array([erf(v) for v in x])
    z = x * x
    w = np.ones(n)
    best = None
    for _ in range(iters):
        cols = [x * z ** i for i in range(p_deg + 1)] + [-y * z ** j for j in range(1, q_deg + 1)]
        a = np.array(cols).T * w[:, None]
        c, *_ = np.linalg.lstsq(a, y * w, rcond=None)
        p, q = c[:p_deg + 1], np.concatenate([[1.0], c[p_deg + 1:]])
        err = x * np.polyval(p[::-1], z) / np.polyval(q[::-1], z) - y
        m = abs(err).max()
        if best is None or m < best[0]:
            best = (m, p, q)
        w = w * (1 + abs(err) / m)
    return best


def float32_error(p, q):
    xs = np.linspace(-4.5, 4.5, 200001).astype(np.float32)
    z = np.clip(xs, -LIMIT, LIMIT).astype(np.float32)
    zz = (z * z).astype(np.float32)
    pv = np.zeros_like(zz)
    for a in p[::-1]:
        pv = (pv * zz + np.float32(a)).astype(np.float32)
    qv = np.zeros_like(zz)
    for a in q[::-1]:
        qv = (qv * zz + np.float32(a)).astype(np.float32)
    r = (z * pv / qv).astype(np.float32)
    return abs(r - np.array([erf(float(v)) for v in xs])).max()


if __name__ == "__main__":
    np.set_printoptions(precision=17)
    for pd, qd in [(4, 4), (5, 5), (6, 5)]:
        m, p, q = fit(pd, qd)
        print(f"P degree {pd}, Q degree {qd}: max error {m:.2e} (double), {float32_error(p, q):.2e} (float32)")
        print("  P", ", ".join(repr(float(v)) for v in p))
        print("  Q", ", ".join(repr(float(v)) for v in q))
