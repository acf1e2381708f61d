package io.robustbounds.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The activation constants A = sup|g'| and B = sup|g''| of Algorithm 4.1 (thesis Table 4.1, restated in
 * BOUNDS.md §1), checked against a dense search over z ∈ [−20, 20] with step 1e-4, and the derivative
 * methods against central differences of {@link Activation#value}.
 */
class ActivationTest {
    private static final double LOW = -20;
    private static final double STEP = 1e-4;
    private static final int POINTS = 400_001;
    /** Steps of the central differences: first derivative, second derivative. */
    private static final double H1 = 1e-5;
    private static final double H2 = 1e-3;

    private static double z(int k) {
        return LOW + k * STEP;
    }

    /** g' and g'' of every activation agree with central differences of g (away from ReLU's kink). */
    @Test
    void derivativesMatchCentralDifferencesOfValue() {
        for (Activation g : Activation.values()) {
            double err1 = 0;
            double err2 = 0;
            for (int k = 0; k < POINTS; k += 7) {
                double z = z(k);
                if (g == Activation.RELU && Math.abs(z) < 2 * H2) {
                    continue;
                }
                double d1 = (g.value(z + H1) - g.value(z - H1)) / (2 * H1);
                double d2 = (g.value(z + H2) - 2 * g.value(z) + g.value(z - H2)) / (H2 * H2);
                err1 = Math.max(err1, Math.abs(d1 - g.firstDerivative(z)));
                err2 = Math.max(err2, Math.abs(d2 - g.secondDerivative(z)));
            }
            assertTrue(err1 < 1e-9, g + ": g' differs from central differences by " + err1);
            assertTrue(err2 < 1e-6, g + ": g'' differs from central differences by " + err2);
        }
    }

    /** The value functions themselves, against their textbook definitions. */
    @Test
    void valuesMatchDefinitions() {
        for (int k = 0; k < POINTS; k += 13) {
            double z = z(k);
            assertEquals(Math.tanh(z), Activation.TANH.value(z), 1e-15);
            assertEquals(1 / (1 + Math.exp(-z)), Activation.SIGMOID.value(z), 1e-15);
            assertEquals(Math.log(1 + Math.exp(z)), Activation.SOFTPLUS.value(z), 1e-13 * Math.max(1, Math.abs(z)));
            assertEquals(Math.max(0, z), Activation.RELU.value(z), 0);
            assertEquals(z, Activation.IDENTITY.value(z), 0);
        }
        // softplus stays exact where exp(z) would overflow
        assertEquals(800.0, Activation.SOFTPLUS.value(800), 1e-12);
        assertEquals(Math.exp(-800.0), Activation.SOFTPLUS.value(-800), 0);
    }

    /**
     * A and B are the suprema: no grid point exceeds them (by more than rounding), and the grid maximum of
     * |g'| and |g''| — both from the methods and from central differences of g — reaches them within 1e-6
     * relative. ReLU's true B is 0; the thesis' B for ReLU is 1 (§4.3.1).
     */
    @Test
    void boundsAreTheSupremaOfTheDerivatives() {
        for (Activation g : Activation.values()) {
            double max1 = 0;
            double max2 = 0;
            double fdMax1 = 0;
            double fdMax2 = 0;
            for (int k = 0; k < POINTS; k++) {
                double z = z(k);
                max1 = Math.max(max1, Math.abs(g.firstDerivative(z)));
                max2 = Math.max(max2, Math.abs(g.secondDerivative(z)));
                fdMax1 = Math.max(fdMax1, Math.abs((g.value(z + H1) - g.value(z - H1)) / (2 * H1)));
                if (!(g == Activation.RELU && Math.abs(z) < 2 * H2)) {
                    fdMax2 = Math.max(fdMax2, Math.abs((g.value(z + H2) - 2 * g.value(z) + g.value(z - H2)) / (H2 * H2)));
                }
            }
            double a = g.firstDerivativeBound();
            double b = g.exactSecondDerivativeBound();
            assertTrue(max1 <= a * (1 + 1e-15), g + ": |g'| reaches " + max1 + " > A = " + a);
            assertTrue(max2 <= b * (1 + 1e-15) + 1e-300, g + ": |g''| reaches " + max2 + " > B = " + b);
            assertEquals(a, max1, 1e-6 * a, g + ": A is not attained");
            assertEquals(a, fdMax1, 1e-6 * a, g + ": A against differences of g");
            assertEquals(b, max2, 1e-6 * Math.max(b, 1e-300), g + ": B is not attained");
            // rounding of the second difference: about 4·2⁻⁵³·max|g|/H2² ≈ 9e-9 on [−20, 20]
            assertEquals(b, fdMax2, 1e-6 * b + 1e-8, g + ": B against differences of g");
        }
    }

    /** The closed forms of BOUNDS.md §1: 1/4, √3/18; 1, 4/(3√3); 1, 1/4; ReLU 1, 0 (paper: 1). */
    @Test
    void closedForms() {
        assertEquals(0.25, Activation.SIGMOID.firstDerivativeBound(), 0);
        assertEquals(Math.sqrt(3) / 18, Activation.SIGMOID.exactSecondDerivativeBound(), 1e-17);
        assertEquals(1.0, Activation.TANH.firstDerivativeBound(), 0);
        assertEquals(4 / (3 * Math.sqrt(3)), Activation.TANH.exactSecondDerivativeBound(), 1e-16);
        assertEquals(1.0, Activation.SOFTPLUS.firstDerivativeBound(), 0);
        assertEquals(0.25, Activation.SOFTPLUS.exactSecondDerivativeBound(), 0);
        assertEquals(1.0, Activation.RELU.firstDerivativeBound(), 0);
        assertEquals(0.0, Activation.RELU.exactSecondDerivativeBound(), 0);
        assertEquals(1.0, Activation.RELU.paperSecondDerivativeBound(), 0);
        for (Activation g : new Activation[] {Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS, Activation.IDENTITY}) {
            assertEquals(g.exactSecondDerivativeBound(), g.paperSecondDerivativeBound(), 0, g.toString());
        }
        // where the suprema are attained
        assertEquals(4 / (3 * Math.sqrt(3)), Math.abs(Activation.TANH.secondDerivative(atanh(1 / Math.sqrt(3)))), 1e-15);
        double zs = Math.log((3 + Math.sqrt(3)) / (3 - Math.sqrt(3)));  // σ(z) = (3 + √3)/6
        assertEquals(Math.sqrt(3) / 18, Math.abs(Activation.SIGMOID.secondDerivative(zs)), 1e-15);
        assertEquals(0.25, Activation.SOFTPLUS.secondDerivative(0), 1e-16);
        assertEquals(0.25, Activation.SIGMOID.firstDerivative(0), 0);
    }

    private static double atanh(double t) {
        return 0.5 * Math.log((1 + t) / (1 - t));
    }
}
