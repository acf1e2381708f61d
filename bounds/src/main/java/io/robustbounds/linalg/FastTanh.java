package io.robustbounds.linalg;

/**
 * A float tanh that HotSpot's C2 vectorizes (SuperWord): tanh(x) ≈ x·P(x²)/Q(x²) on [−9, 9], clamped outside,
 * with no call to Math.tanh or Math.exp (neither is vectorized). P has degree 6 and Q degree 3 in x²; the
 * coefficients are a minimax fit of the relative error (6.6·10⁻⁹ in exact arithmetic) made by
 * src/test/resources/tanh/fit_tanh.py. Evaluated in float by Horner's rule with fused multiply-adds, it is within 6 float ulps of tanh
 * everywhere (FastTanhTest; the script finds 4.7 at |x| ≈ 7.36, where tanh is within 10⁻⁶ of 1), exact at 0,
 * odd, ±1 beyond ±9 (tanh rounds to ±1 in float from 13·ln 2 ≈ 9.01 on) and NaN for NaN. The quotient is clamped to
 * [−1, 1] too: near |x| ≈ 8.6 its rounding would overshoot 1 by up to two floats.
 *
 * <p>For searches only (the FGS ray), never for values a bound is computed from.
 */
public final class FastTanh {
    /** Beyond this, tanh(x) is within float rounding of ±1. */
    static final float CLAMP = 9.0f;
    private static final float P0 = 1.000000000e+00f;
    private static final float P1 = 1.308401078e-01f;
    private static final float P2 = 3.103956813e-03f;
    private static final float P3 = 1.115431405e-05f;
    private static final float P4 = -2.022525081e-08f;
    private static final float P5 = 5.277961054e-11f;
    private static final float P6 = -8.488743969e-14f;
    private static final float Q1 = 4.641733766e-01f;
    private static final float Q2 = 2.449518070e-02f;
    private static final float Q3 = 2.546145988e-04f;

    private FastTanh() {
    }

    public static float tanh(float x) {
        float c = Math.max(-CLAMP, Math.min(CLAMP, x));
        float s = c * c;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P6, s, P5), s, P4), s, P3), s, P2), s, P1), s, P0);
        float q = Math.fma(Math.fma(Math.fma(Q3, s, Q2), s, Q1), s, 1.0f);
        return Math.max(-1.0f, Math.min(1.0f, c * p / q));
    }

    /** a[i] ← tanh(a[i]) for from ≤ i < to. The body is {@link #tanh(float)} written out: C2 vectorizes it inline. */
    public static void tanh(float[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            float c = Math.max(-CLAMP, Math.min(CLAMP, a[i]));
            float s = c * c;
            float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P6, s, P5), s, P4), s, P3), s, P2), s, P1), s, P0);
            float q = Math.fma(Math.fma(Math.fma(Q3, s, Q2), s, Q1), s, 1.0f);
            a[i] = Math.max(-1.0f, Math.min(1.0f, c * p / q));
        }
    }

    /** a[i] ← σ(a[i]) = (1 + tanh(a[i]/2))/2 for from ≤ i < to: within a few float ulps of 1/2 absolutely. */
    public static void sigmoid(float[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            float c = Math.max(-CLAMP, Math.min(CLAMP, 0.5f * a[i]));
            float s = c * c;
            float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P6, s, P5), s, P4), s, P3), s, P2), s, P1), s, P0);
            float q = Math.fma(Math.fma(Math.fma(Q3, s, Q2), s, Q1), s, 1.0f);
            a[i] = 0.5f + 0.5f * Math.max(-1.0f, Math.min(1.0f, c * p / q));
        }
    }
}
