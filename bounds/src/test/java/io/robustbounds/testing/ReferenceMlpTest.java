package io.robustbounds.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.model.Activation;
import io.robustbounds.random.RandomMlp;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks of the reference itself, so that the tests built on it compare against something right:
 * the chain-rule Jacobian of h_L (the J of Theorem 4.2) against central finite differences, the
 * cross-entropy gradient of Algorithm 2.1 against differences of the loss, and the Jacobi eigensolver
 * against its defining identities.
 */
class ReferenceMlpTest {

    /** Theorem 4.2's J = D_L V_L ⋯ D_1 V_1 equals the finite-difference Jacobian of h_L to ~1e-6 relative. */
    @Test
    void chainRuleJacobianMatchesCentralDifferences() {
        int[][] shapes = {{7, 5, 6}, {40, 30, 24}, {4, 6, 9}};
        for (Activation g : new Activation[] {Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS, Activation.RELU}) {
            for (int[] shape : shapes) {
                RandomMlp spec = new RandomMlp(shape[0], new int[] {shape[1], shape[2]}, g, 3, -1, 1, -1, 1);
                ReferenceMlp ref = ReferenceMlp.of(spec.model(11, 0));
                double[] xs = spec.samples(11, 0, 0, 5);
                for (int i = 0; i < 5; i++) {
                    double[] x = java.util.Arrays.copyOfRange(xs, i * shape[0], (i + 1) * shape[0]);
                    if (g == Activation.RELU && nearKink(ref, x, 1e-4)) {
                        continue; // central differences straddle a kink; nothing to compare
                    }
                    double[][] j = ref.jacobian(x);
                    double[][] fd = ref.jacobianByDifferences(x, 1e-6);
                    double scale = ReferenceMlp.maxAbs(j);
                    double err = 0;
                    for (int r = 0; r < j.length; r++) {
                        for (int k = 0; k < j[r].length; k++) {
                            err = Math.max(err, Math.abs(j[r][k] - fd[r][k]));
                        }
                    }
                    assertTrue(err <= 1e-6 * scale, g + " " + java.util.Arrays.toString(shape) + ": |J − J_fd| = " + err
                            + " against max|J| = " + scale);
                }
            }
        }
    }

    /** ∇ₓ CE(softmax(logits), c) by back-propagation equals central differences of the loss. */
    @Test
    void crossEntropyGradientMatchesCentralDifferences() {
        for (Activation g : new Activation[] {Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS}) {
            RandomMlp spec = new RandomMlp(6, new int[] {5, 4}, g, 4, -1, 1, -1, 1);
            ReferenceMlp ref = ReferenceMlp.of(spec.model(3, 1));
            double[] xs = spec.samples(3, 1, 0, 4);
            for (int i = 0; i < 4; i++) {
                double[] x = java.util.Arrays.copyOfRange(xs, i * 6, (i + 1) * 6);
                for (int c = 0; c < 4; c++) {
                    double[] grad = ref.crossEntropyGradient(x, c);
                    double h = 1e-6;
                    double scale = 0;
                    double err = 0;
                    for (int k = 0; k < 6; k++) {
                        double[] p = x.clone();
                        double[] m = x.clone();
                        p[k] += h;
                        m[k] -= h;
                        double fd = (ref.crossEntropy(p, c) - ref.crossEntropy(m, c)) / (p[k] - m[k]);
                        err = Math.max(err, Math.abs(fd - grad[k]));
                        scale = Math.max(scale, Math.abs(grad[k]));
                    }
                    assertTrue(err <= 1e-6 * scale, g + " class " + c + ": gradient error " + err + " against " + scale);
                }
            }
        }
    }

    /** Jacobi: A V = V Λ, VᵀV = I, eigenvalues descending; a 2×2 case against the closed form. */
    @Test
    void jacobiEigenSolver() {
        double[][] two = {{2, 1}, {1, 3}};
        double[] vals = ReferenceMlp.symmetricEigen(two).values();
        assertEquals((5 + Math.sqrt(5)) / 2, vals[0], 1e-15);
        assertEquals((5 - Math.sqrt(5)) / 2, vals[1], 1e-15);

        SplittableRandom r = new SplittableRandom(5);
        for (int n = 1; n <= 12; n++) {
            double[][] a = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    a[i][j] = a[j][i] = r.nextDouble(-1, 1);
                }
            }
            ReferenceMlp.Eigen e = ReferenceMlp.symmetricEigen(a);
            double[][] av = ReferenceMlp.multiply(a, e.vectors());
            double[][] vtv = ReferenceMlp.multiply(ReferenceMlp.transpose(e.vectors()), e.vectors());
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    assertTrue(e.values()[i - 1] >= e.values()[i]);
                }
                for (int k = 0; k < n; k++) {
                    assertEquals(e.values()[i] * e.vectors()[k][i], av[k][i], 1e-13);
                    assertEquals(i == k ? 1 : 0, vtv[i][k], 1e-13);
                }
            }
        }
    }

    /** The spectral norm of a rank-one matrix u vᵀ is ‖u‖‖v‖; of a diagonal matrix its largest |entry|. */
    @Test
    void spectralNormClosedForms() {
        double[] u = {1, -2, 3};
        double[] v = {0.5, 4, -1, 2};
        double[][] m = new double[3][4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                m[i][j] = u[i] * v[j];
            }
        }
        assertEquals(ReferenceMlp.norm(u) * ReferenceMlp.norm(v), ReferenceMlp.spectralNorm(m), 1e-13);
        assertEquals(ReferenceMlp.norm(u) * ReferenceMlp.norm(v), ReferenceMlp.spectralNorm(ReferenceMlp.transpose(m)), 1e-13);
        assertEquals(7.0, ReferenceMlp.spectralNorm(new double[][] {{-7, 0}, {0, 3}, {0, 0}}), 1e-15);
    }

    /** True when some hidden pre-activation is within {@code margin} of a ReLU kink. */
    static boolean nearKink(ReferenceMlp ref, double[] x, double margin) {
        for (double[] z : ref.preActivations(x)) {
            for (double v : z) {
                if (Math.abs(v) < margin) {
                    return true;
                }
            }
        }
        return false;
    }
}
