package io.robustbounds.bounds;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Bounds on the rounding error of the forward pass, so that sound bounds hold for the exact network (real arithmetic
 * on the model's stored weights and the sample's stored values) although the pass runs in float or double
 * (docs/sound-mode.md, "Rounding"). Standard forward error analysis (Higham, <i>Accuracy and Stability of Numerical
 * Algorithms</i>, §3.1–3.5): a dot product of n terms computed in any order, with or without fused multiply-adds,
 * satisfies |fl(a·b) − a·b| ≤ γ_n Σ|a_i b_i|, γ_n = n·u / (1 − n·u), u the unit roundoff.
 *
 * <p>Each layer's own error is bounded per sample in the form ρ ≤ a‖x̂‖₂ + b‖ŷ‖₂ + c ({@link Layer}), x̂ the layer's
 * computed input and ŷ its computed output. An error E in the input grows to L·E through a layer of Lipschitz constant
 * L, so the error of the computed activations at layer l obeys E_{l+1} ≤ L_l·E_l + ρ_l, E_0 = 0.
 */
public final class Rounding {
    private Rounding() {
    }

    /**
     * Assumed accuracy of libnd4j's elementwise tanh, sigmoid and softplus (built on the C library's exp, log and
     * tanh, accurate to a few ulps): |fl(g(z)) − g(z)| ≤ 8u·|fl(g(z))| + 2u per element. The absolute term covers
     * 1 + e^z rounding to 1 in softplus and sigmoid. Checked against double on this machine by RoundingTest.
     */
    public static final double ELEMENTWISE_ULPS = 8;

    /**
     * Constants computed once in double from the model's weights (spectral norms, row distances, M) carry relative
     * errors below d·2⁻⁵³ ≈ 1e-13 for the sizes here; every sound bound is multiplied by 1 − this to absorb them.
     */
    public static final double CONSTANTS_MARGIN = 1e-9;

    /** The unit roundoff of a compute type: 2⁻²⁴ for float, 2⁻⁵³ for double. */
    public static double unitRoundoff(DataType type) {
        return switch (type) {
            case FLOAT -> 0x1p-24;
            case DOUBLE -> 0x1p-53;
            default -> throw new IllegalArgumentException("no rounding model for data type " + type);
        };
    }

    /** γ_n = n·u / (1 − n·u), raised by 1 + 10⁻¹² for its own rounding; infinite when n·u ≥ 1/2 (no useful bound). */
    public static double gamma(long n, double u) {
        return gamma(n, u, 1 + 1e-12);
    }

    /** γ_n = n·u / (1 − n·u) times {@code inflate} (≥ 1, covering its own rounding); infinite when n·u ≥ 1/2. */
    public static double gamma(long n, double u, double inflate) {
        double nu = n * u;
        return nu >= 0.5 ? Double.POSITIVE_INFINITY : nu / (1 - nu) * inflate;
    }

    /** The elementwise error bound of {@link #ELEMENTWISE_ULPS} over n outputs of norm ‖ŷ‖: 8u‖ŷ‖ + 2u√n. */
    public static double elementwise(double outputNorm, long n, double u) {
        return ELEMENTWISE_ULPS * u * outputNorm + 2 * u * Math.sqrt(n);
    }

    /**
     * One layer's own rounding for one computed sample: ρ ≤ a‖x̂‖ + b‖ŷ‖ + c (x̂ the computed input, ŷ the computed
     * output, Euclidean norms over the sample).
     */
    public record Layer(double inputGain, double outputGain, double constant) {
        public static final Layer EXACT = new Layer(0, 0, 0);

        public double error(double inputNorm, double outputNorm) {
            double e = inputGain * inputNorm + outputGain * outputNorm + constant;
            return e == 0 ? 0 : e * (1 + 1e-12); // the few double operations here
        }
    }

    /**
     * A value computed in double and stored in the compute type: a relative error ≤ u (the final rounding) plus the
     * double computation's own, bounded by {@code doubleOps}·2⁻⁵³ relative.
     */
    public static Layer storedFromDouble(double u, int doubleOps) {
        return new Layer(0, u / (1 - u) + gamma(doubleOps, 0x1p-53), 0);
    }
}
