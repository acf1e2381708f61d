"""Fits the float tanh of io.robustbounds.linalg.FastTanh: tanh(x) ~ x P(x^2) / Q(x^2) on [0, CLAMP], clamped outside.

Minimax in relative error at Chebyshev nodes in x: bisection on the error with one linear program per step
(differential correction, Q >= 1/2 at every node, so no pole), then Lawson's reweighted least squares on the
linearized residual divided by the previous Q (Loeb) below the LP solver's tolerance. Prints the coefficients
rounded to float and the float evaluation's (Horner's rule by fused multiply-adds, as the Java code) max error in float ulps of tanh on a dense
grid, including |x| down to 1e-40 and beyond the clamp.
Run: python3 fit_tanh.py [P_DEG Q_DEG]   (default 6 3: FastTanh's coefficients)
"""
import numpy as np
import mpmath
from scipy.optimize import linprog

CLAMP = 9.0          # tanh(x) rounds to 1 in float from x = 13 ln 2 / 1 ~ 9.01 on
import sys
P_DEG, Q_DEG = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (6, 3) # numerator x (p0 + ... + p6 x^12), denominator 1 + q1 x^2 + ... + q3 x^6

mpmath.mp.dps = 40
n = 4000
x = CLAMP * (1 + np.cos(np.pi * (np.arange(n) + 0.5) / n)) / 2  # Chebyshev nodes on [0, CLAMP]
x = np.sort(x)
g = np.array([float(mpmath.tanh(mpmath.mpf(v)) / mpmath.mpf(v)) for v in x])
t = x * x
tanh = g * x

s = t / CLAMP ** 2  # scaled to [0, 1] for conditioning

def feasible(delta):
    """An LP: P(s) - g Q(s) within +-delta g Q(s) at every node, Q(s) >= 1/2, q0 = 1; returns (p, q) or None."""
    ps = s[:, None] ** np.arange(P_DEG + 1)
    qs = s[:, None] ** np.arange(1, Q_DEG + 1)
    # variables: p0..pP, q1..qQ; constraints A v <= b
    upper = np.hstack([ps, -(g * (1 + delta))[:, None] * qs])   # P - (1 + delta) g Q <= 0
    lower = np.hstack([-ps, (g * (1 - delta))[:, None] * qs])   # (1 - delta) g Q - P <= 0
    positive = np.hstack([np.zeros((n, P_DEG + 1)), -qs])       # Q >= 1/2
    A = np.vstack([upper, lower, positive])
    b = np.concatenate([g * (1 + delta), -g * (1 - delta), np.full(n, 0.5)])
    r = linprog(np.zeros(P_DEG + 1 + Q_DEG), A_ub=A, b_ub=b, bounds=[(None, None)] * (P_DEG + 1 + Q_DEG), method="highs",
                options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    if r.status != 0:
        return None
    return r.x[:P_DEG + 1], np.concatenate([[1.0], r.x[P_DEG + 1:]])

lo, hi, best = 0.0, 1e-5, None
for it in range(40):  # bisection on the relative error (differential correction, one LP per step)
    mid = (lo + hi) / 2
    f = feasible(mid)
    if f is None:
        lo = mid
    else:
        hi, best = mid, f
ps_, qs_ = best
# the LP stops at its solver's tolerance (~1e-7 relative): refine by Lawson's weighted least squares on the
# linearized residual divided by the previous Q (Loeb), which keeps Q near the LP's positive one
S = s[:, None] ** np.arange(max(P_DEG, Q_DEG) + 1)
w = np.full(n, 1.0 / n)
for it in range(300):
    Qprev = S[:, :Q_DEG + 1] @ qs_
    A = np.hstack([S[:, :P_DEG + 1], -g[:, None] * S[:, 1:Q_DEG + 1]]) / (g * Qprev)[:, None]
    sw = np.sqrt(w)
    c, *_ = np.linalg.lstsq(A * sw[:, None], np.ones(n) / Qprev * sw, rcond=None)
    ps_, qs_ = c[:P_DEG + 1], np.concatenate([[1.0], c[P_DEG + 1:]])
    e = np.abs((S[:, :P_DEG + 1] @ ps_) / (S[:, :Q_DEG + 1] @ qs_) / g - 1)
    w = w * e / np.sum(w * e)
p = ps_ / CLAMP ** (2 * np.arange(P_DEG + 1))
q = qs_ / CLAMP ** (2 * np.arange(Q_DEG + 1))
err = np.abs(np.polyval(p[::-1], t) / np.polyval(q[::-1], t) / g - 1)
print("max relative error in double:", err.max())
p32, q32 = p.astype(np.float32), q.astype(np.float32)

def fma(a, b, c):
    """float fma(a, b, c): a*b is exact in double; the sum rounds twice (to double, then float), rarely 1 ulp off."""
    return (a.astype(np.float64) * b.astype(np.float64) + np.float64(c)).astype(np.float32)

def fast_tanh(v):
    """FastTanh.tanh in float: clamp, Horner's rule by fused multiply-adds, one division, the quotient clamped to [-1, 1]."""
    v = np.clip(v.astype(np.float32), np.float32(-CLAMP), np.float32(CLAMP))
    s = v * v
    num = np.full_like(v, p32[P_DEG])
    for k in range(P_DEG - 1, -1, -1):
        num = fma(num, s, p32[k])
    den = np.full_like(v, q32[Q_DEG])
    for k in range(Q_DEG - 1, -1, -1):
        den = fma(den, s, q32[k])
    return np.clip(v * num / den, np.float32(-1), np.float32(1))

grid = np.concatenate([np.linspace(-12, 12, 2_000_001), np.logspace(-40, 1.2, 200_001), -np.logspace(-40, 1.2, 200_001)]).astype(np.float32)
grid = grid[np.isfinite(grid)]
got = fast_tanh(grid).astype(np.float64)
want = np.tanh(grid.astype(np.float64))
ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
ulp = np.maximum(ulp, np.float64(np.finfo(np.float32).smallest_subnormal))
print("max |fast - tanh| in float ulps of tanh:", np.max(np.abs(got - want) / ulp))
print("at", grid[np.argmax(np.abs(got - want) / ulp)])
print("P (x^0 .. x^%d):" % (2 * P_DEG), ", ".join("%.9ef" % v for v in p32))
print("Q (x^0 .. x^%d):" % (2 * Q_DEG), ", ".join("%.9ef" % v for v in q32))
