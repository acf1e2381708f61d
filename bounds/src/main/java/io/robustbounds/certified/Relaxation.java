package io.robustbounds.certified;

import io.robustbounds.model.Activation;

/**
 * Linear bounds of an activation on an interval (docs/certified-mode.md, "Activation relaxations"): for z ∈ [l, u],
 * αᴸ z + βᴸ ≤ g(z) ≤ αᵁ z + βᵁ, exactly (in real arithmetic), whatever rounding did to the slopes.
 *
 * <p>The slopes follow CROWN (Zhang et al., NeurIPS 2018, §3.2 and Appendix A): ReLU with the adaptive lower slope,
 * chords and tangents for the smooth activations. A computed slope is only a choice; validity comes from the
 * intercepts, which are proven ends of min/max over [l, u] of φ(z) = g(z) − αz: on a piece where g is convex,
 * max φ is at the ends and min φ ≥ φ(t) − |φ'(t)|·max(t − a, b − t) for any t (φ lies above its tangent at t);
 * on a concave piece the mirror image. tanh and σ are convex on (−∞, 0] and concave on [0, ∞); softplus is convex.
 */
final class Relaxation {
    private Relaxation() {
    }

    /** Relative error bound of the values and derivatives below (Java's exp, tanh, cosh, log1p: ≤ 2.5 ulp each; ≤ 4 operations). */
    static final double REL = 64 * Rounding.U;

    /** Bisection steps for CROWN's tangent points (any point gives a valid line; this only affects tightness). */
    private static final int TANGENT_STEPS = 24;

    /** out[at..at+3] = αᴸ, βᴸ, αᵁ, βᵁ valid on [l, u] (l ≤ u, finite). */
    static void lines(Activation g, double l, double u, double[] out, int at) {
        switch (g) {
            case IDENTITY -> set(out, at, 1, 0, 1, 0);
            case RELU -> relu(l, u, out, at);
            default -> smooth(g, l, u, out, at);
        }
    }

    private static void set(double[] out, int at, double aL, double bL, double aU, double bU) {
        out[at] = aL;
        out[at + 1] = bL;
        out[at + 2] = aU;
        out[at + 3] = bU;
    }

    /**
     * ReLU: stable cases are exact. Unstable (l < 0 < u): upper α = u/(u − l) through (l, 0) and (u, u) — a line lies
     * above the convex ReLU on [l, u] iff it does at both ends, so βᵁ = max(−αl, u − αu) rounded up makes any computed
     * α valid; lower 0·z or 1·z (both below ReLU everywhere), 1 when u ≥ −l (CROWN's adaptive choice).
     */
    static void relu(double l, double u, double[] out, int at) {
        if (u <= 0) {
            set(out, at, 0, 0, 0, 0);
        } else if (l >= 0) {
            set(out, at, 1, 0, 1, 0);
        } else {
            double a = u / (u - l);
            double b = Math.max(Rounding.up(-(a * l)), Rounding.up(u - Rounding.down(a * u)));
            set(out, at, u >= -l ? 1 : 0, 0, a, b);
        }
    }

    /** The inflection point p: convex on (−∞, p], concave on [p, ∞). */
    private static double inflection(Activation g) {
        return g == Activation.SOFTPLUS ? Double.POSITIVE_INFINITY : 0.0;
    }

    private static void smooth(Activation g, double l, double u, double[] out, int at) {
        double p = inflection(g);
        double m = l + 0.5 * (u - l);
        double aL;
        double aU;
        double hintL = Double.NaN;
        double hintU = Double.NaN;
        if (!(u - l > 1e-9 * Math.max(1, Math.max(Math.abs(l), Math.abs(u))))) {
            aL = aU = g.firstDerivative(m);             // a point interval: the tangent at its middle
            hintL = hintU = m;
        } else if (u <= p) {                            // convex: chord above, tangent at the middle below
            aU = chord(g, l, u);
            aL = g.firstDerivative(m);
            hintL = m;
        } else if (l >= p) {                            // concave: chord below, tangent at the middle above
            aL = chord(g, l, u);
            aU = g.firstDerivative(m);
            hintU = m;
        } else {
            // upper: the line through (l, g(l)) tangent at d ∈ [0, u]: F(d) = g(d) − g(l) − g'(d)(d − l) = 0;
            // F(0) ≤ 0 (convexity on [l, 0]) and F increases on [0, ∞) (F' = −g''(d)(d − l) ≥ 0); F(u) ≤ 0: the chord
            double gl = g.value(l);
            if (g.value(u) - gl - g.firstDerivative(u) * (u - l) <= 0) {
                aU = chord(g, l, u);
            } else {
                double lo = 0;
                double hi = u;
                for (int s = 0; s < TANGENT_STEPS; s++) {
                    double d = 0.5 * (lo + hi);
                    if (g.value(d) - gl - g.firstDerivative(d) * (d - l) <= 0) {
                        lo = d;
                    } else {
                        hi = d;
                    }
                }
                hintU = hi;
                aU = g.firstDerivative(hi);
            }
            // lower: mirror image, the line through (u, g(u)) tangent at d ∈ [l, 0]: G(d) = g(u) − g(d) − g'(d)(u − d)
            double gu = g.value(u);
            if (gu - g.value(l) - g.firstDerivative(l) * (u - l) <= 0) {
                aL = chord(g, l, u);
            } else {
                double lo = l;
                double hi = 0;
                for (int s = 0; s < TANGENT_STEPS; s++) {
                    double d = 0.5 * (lo + hi);
                    if (gu - g.value(d) - g.firstDerivative(d) * (u - d) <= 0) {
                        hi = d;
                    } else {
                        lo = d;
                    }
                }
                hintL = lo;
                aL = g.firstDerivative(lo);
            }
        }
        set(out, at, aL, minPhi(g, aL, l, u, p, hintL), aU, maxPhi(g, aU, l, u, p, hintU));
    }

    private static double chord(Activation g, double l, double u) {
        return (g.value(u) - g.value(l)) / (u - l);
    }

    // ------------------------------------------------------------ proven ends of g and g'

    static double valueUp(Activation g, double z) {
        double v = g.value(z);
        return Rounding.up(v + REL * Math.abs(v) + Rounding.TINY);
    }

    static double valueDown(Activation g, double z) {
        double v = g.value(z);
        return Rounding.down(v - REL * Math.abs(v) - Rounding.TINY);
    }

    /** g'(z) ≥ 0 for every activation here; tanh' as 1/cosh² (no cancellation in 1 − tanh²), σ' as σ(z)σ(−z). */
    private static double derivative(Activation g, double z) {
        return switch (g) {
            case TANH -> {
                double c = Math.cosh(z);
                yield 1 / (c * c);
            }
            case SIGMOID -> Activation.SIGMOID.value(z) * Activation.SIGMOID.value(-z);
            default -> g.firstDerivative(z);
        };
    }

    static double derivativeUp(Activation g, double z) {
        double v = derivative(g, z);
        return Rounding.up(v + REL * v + Rounding.TINY);
    }

    static double derivativeDown(Activation g, double z) {
        double v = derivative(g, z);
        return Math.max(0, Rounding.down(v - REL * v - Rounding.TINY));
    }

    /** Upper end of φ(z) = g(z) − αz. */
    private static double phiUp(Activation g, double a, double z) {
        return Rounding.up(valueUp(g, z) - Rounding.down(a * z));
    }

    private static double phiDown(Activation g, double a, double z) {
        return Rounding.down(valueDown(g, z) - Rounding.up(a * z));
    }

    /** Upper end of |φ'(t)| = |g'(t) − α|. */
    private static double slopeGap(Activation g, double a, double t) {
        return Math.max(Math.abs(Rounding.up(derivativeUp(g, t) - a)), Math.abs(Rounding.down(derivativeDown(g, t) - a)));
    }

    /** Upper end of max(t − a, b − t). */
    private static double reach(double t, double a, double b) {
        return Math.max(Rounding.up(t - a), Rounding.up(b - t));
    }

    /** An upper end of max_{[l,u]} φ: the convex piece's ends and the concave piece's proven maximum. */
    static double maxPhi(Activation g, double a, double l, double u, double p, double hint) {
        double best = Double.NEGATIVE_INFINITY;
        if (l <= p) {
            best = Math.max(phiUp(g, a, l), phiUp(g, a, Math.min(u, p)));
        }
        if (u >= p) {
            best = Math.max(best, concaveMax(g, a, Math.max(l, p), u, hint));
        }
        return best;
    }

    /** A lower end of min_{[l,u]} φ. */
    static double minPhi(Activation g, double a, double l, double u, double p, double hint) {
        double best = Double.POSITIVE_INFINITY;
        if (l <= p) {
            best = convexMin(g, a, l, Math.min(u, p), hint);
        }
        if (u >= p) {
            best = Math.min(best, Math.min(phiDown(g, a, Math.max(l, p)), phiDown(g, a, u)));
        }
        return best;
    }

    /** φ concave on [a, b] (φ' decreasing): monotone when φ' keeps its sign, else below its tangent at t ≈ argmax. */
    private static double concaveMax(Activation g, double alpha, double a, double b, double hint) {
        if (derivativeDown(g, b) >= alpha) {
            return phiUp(g, alpha, b);
        }
        if (derivativeUp(g, a) <= alpha) {
            return phiUp(g, alpha, a);
        }
        double t = hint >= a && hint <= b ? hint : root(g, alpha, a, b, false);
        return Rounding.up(phiUp(g, alpha, t) + Rounding.up(slopeGap(g, alpha, t) * reach(t, a, b)));
    }

    /** φ convex on [a, b] (φ' increasing): monotone when φ' keeps its sign, else above its tangent at t ≈ argmin. */
    private static double convexMin(Activation g, double alpha, double a, double b, double hint) {
        if (derivativeDown(g, a) >= alpha) {
            return phiDown(g, alpha, a);
        }
        if (derivativeUp(g, b) <= alpha) {
            return phiDown(g, alpha, b);
        }
        double t = hint >= a && hint <= b ? hint : root(g, alpha, a, b, true);
        return Rounding.down(phiDown(g, alpha, t) - Rounding.up(slopeGap(g, alpha, t) * reach(t, a, b)));
    }

    /** t with g'(t) ≈ α on [a, b] by bisection; g' increases on [a, b] when {@code increasing}, else decreases. */
    private static double root(Activation g, double alpha, double a, double b, boolean increasing) {
        double lo = a;
        double hi = b;
        for (int s = 0; s < 60 && lo < hi; s++) {
            double t = lo + 0.5 * (hi - lo);
            if (t <= lo || t >= hi) {
                break;
            }
            if ((derivative(g, t) < alpha) == increasing) {
                lo = t;
            } else {
                hi = t;
            }
        }
        return lo + 0.5 * (hi - lo);
    }
}
