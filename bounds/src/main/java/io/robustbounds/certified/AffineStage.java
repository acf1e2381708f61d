package io.robustbounds.certified;

/**
 * Per-element affine map v ↦ s v + t, one (s, t) per channel: batch norm (s = γ/sqrt(Var + ε), t = β − s·E). The
 * computed ŝ, t̂ carry |s − ŝ| ≤ γ₄|ŝ| (a sum, a sqrt, a division) and |t − t̂| ≤ γ₆(|β| + 2|ŝE|).
 */
final class AffineStage extends LinearStage {
    final double[] scale;
    final double[] shift;
    /** |β| + |s·E| per element, rounded up: the magnitudes an evaluator's batch norm adds besides |s v|. */
    private final double[] evaluationMagnitude;

    private AffineStage(double[] scale, double[] shift, double[] shiftError, double[] columnNorm, double[] evaluationMagnitude) {
        super(scale.length, scale.length, shift, columnNorm, 1, 2, Rounding.gamma(5), shiftError);
        this.scale = scale;
        this.shift = shift;
        this.evaluationMagnitude = evaluationMagnitude;
    }

    double[] evaluationMagnitude() {
        return evaluationMagnitude;
    }

    /** Batch norm over channels of {@code inner} elements each. */
    static AffineStage batchNorm(double[] gamma, double[] beta, double[] mean, double[] variance, double epsilon, int inner) {
        int ch = gamma.length;
        int size = ch * inner;
        double[] scale = new double[size];
        double[] shift = new double[size];
        double[] shiftError = new double[size];
        double[] columnNorm = new double[size];
        double[] magnitude = new double[size];
        for (int j = 0; j < ch; j++) {
            double s = gamma[j] / Math.sqrt(variance[j] + epsilon);
            double t = beta[j] - s * mean[j];
            double err = Rounding.inflate(Rounding.gamma(6) * (Math.abs(beta[j]) + 2 * Math.abs(s * mean[j])));
            for (int e = j * inner; e < (j + 1) * inner; e++) {
                scale[e] = s;
                shift[e] = t;
                shiftError[e] = err;
                columnNorm[e] = Rounding.up(Math.abs(s) * (1 + Rounding.gamma(5)));
                magnitude[e] = Rounding.inflate(Rounding.up(Math.abs(beta[j]) + 2 * Math.abs(s * mean[j])));
            }
        }
        return new AffineStage(scale, shift, shiftError, columnNorm, magnitude);
    }

    @Override
    double[] forward(double[] v, int n) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int e = i % in;
            o[i] = scale[e] * v[i] + shift[e];
        }
        return o;
    }

    @Override
    double[] absForward(double[] v, int n) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = Math.abs(scale[i % in]) * v[i];
        }
        return o;
    }

    @Override
    double[] backward(double[] lam, int rows) {
        double[] o = new double[lam.length];
        for (int i = 0; i < lam.length; i++) {
            o[i] = lam[i] * scale[i % in];
        }
        return o;
    }
}
