package io.robustbounds.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * FastTanh against Math.tanh rounded to float: within 6 float ulps (the fit's script, src/test/resources/tanh/fit_tanh.py,
 * finds 4.7) on every 8th float from 0 to beyond the clamp, on the tiny, the clamp's neighbourhood and the large;
 * odd; exact ±1 beyond the clamp and never above 1 in magnitude; the array loops equal the scalar function bit for bit.
 */
class FastTanhTest {
    private static final double MAX_ULPS = 6;

    private static double ulpsOff(float x) {
        float want = (float) Math.tanh(x);
        float got = FastTanh.tanh(x);
        return Math.abs((double) got - Math.tanh(x)) / Math.ulp(want);
    }

    @Test
    void withinSixUlpsOnADenseGrid() {
        double worst = 0;
        float worstAt = 0;
        int last = Float.floatToIntBits(10f);
        for (int bits = 0; bits <= last; bits += 8) { // every 8th float in [0, 10]: 1.4·10⁸ values
            float x = Float.intBitsToFloat(bits);
            double u = ulpsOff(x);
            if (u > worst) {
                worst = u;
                worstAt = x;
            }
        }
        assertTrue(worst <= MAX_ULPS, "max error " + worst + " ulps at x = " + worstAt);
        assertTrue(worst > 1, "the grid should find the fit's error (4.7 ulps), found " + worst);
    }

    @Test
    void tinyArgumentsAreReturnedAsIs() {
        for (float x : new float[] {0f, Float.MIN_VALUE, 1e-40f, Float.MIN_NORMAL, 1e-30f, 1e-12f, 3e-8f, 1e-7f, 9.99e-7f}) {
            assertEquals(x, FastTanh.tanh(x), 0f, "tanh(" + x + ")");
            assertEquals(-x, FastTanh.tanh(-x), 0f, "tanh(" + -x + ")");
        }
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(FastTanh.tanh(-0f)), "tanh(-0) is -0");
        for (float x = 1e-6f; x < 1e-2f; x *= 1.001f) {
            assertTrue(ulpsOff(x) <= MAX_ULPS, "x = " + x);
        }
    }

    @Test
    void nearTheClampAndBeyond() {
        for (float x = 8.5f; x < 9.5f; x = Math.nextUp(x)) {
            assertTrue(ulpsOff(x) <= MAX_ULPS, "x = " + x + ": " + ulpsOff(x) + " ulps");
            assertTrue(FastTanh.tanh(x) <= 1f, "x = " + x + ": " + FastTanh.tanh(x));
        }
        for (float x : new float[] {9f, 9.01f, 10f, 20f, 100f, 1e10f, Float.MAX_VALUE, Float.POSITIVE_INFINITY}) {
            assertEquals(1f, FastTanh.tanh(x), 0f, "tanh(" + x + ")");
            assertEquals(-1f, FastTanh.tanh(-x), 0f, "tanh(" + -x + ")");
        }
        assertTrue(Float.isNaN(FastTanh.tanh(Float.NaN)));
    }

    @Test
    void odd() {
        for (float x = 1e-5f; x < 12f; x *= 1.0007f) {
            assertEquals(-FastTanh.tanh(x), FastTanh.tanh(-x), 0f, "x = " + x);
        }
    }

    /** The loops, which C2 compiles to vector code after enough calls, agree with the scalar function bit for bit. */
    @Test
    void loopsEqualTheScalarFunction() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        float[] x = new float[1003];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble(-12, 12) * (i % 7 == 0 ? 1e-4 : 1));
        }
        x[0] = Float.NaN;
        x[1] = Float.NEGATIVE_INFINITY;
        for (int round = 0; round < 20_000; round++) { // until C2 has compiled the loops
            float[] t = x.clone();
            float[] s = x.clone();
            FastTanh.tanh(t, 1, t.length - 1);
            FastTanh.sigmoid(s, 1, s.length - 1);
            if (round % 1000 == 999) {
                assertEquals(x[0], t[0], 0f, "outside the range");
                assertEquals(x[x.length - 1], t[t.length - 1], 0f, "outside the range");
                for (int i = 1; i < x.length - 1; i++) {
                    assertEquals(FastTanh.tanh(x[i]), t[i], 0f, "tanh at " + x[i]);
                    assertEquals(0.5f + 0.5f * FastTanh.tanh(0.5f * x[i]), s[i], 0f, "sigmoid at " + x[i]);
                }
            }
        }
    }

    /** σ(z) = (1 + tanh(z/2))/2 within 1.5·10⁻⁷ of 1/(1 + e^−z) everywhere (absolute: 2.5 float ulps of 1/2). */
    @Test
    void sigmoidWithinAbsoluteRounding() {
        float[] z = new float[200_001];
        for (int i = 0; i < z.length; i++) {
            z[i] = -50f + i * 0.0005f;
        }
        float[] s = z.clone();
        FastTanh.sigmoid(s, 0, s.length);
        double worst = 0;
        for (int i = 0; i < z.length; i++) {
            worst = Math.max(worst, Math.abs(s[i] - 1 / (1 + Math.exp(-z[i]))));
        }
        assertTrue(worst <= 1.5e-7, "max error " + worst);
    }
}
