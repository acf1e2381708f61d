package io.robustbounds.certified;

/**
 * v ↦ M v + b. The exact map is the one with the stored doubles (batch norm: the exact scale γ/sqrt(Var + ε)); the
 * stage states how far its computed pieces are from it, fixed at construction.
 */
abstract sealed class LinearStage extends Stage permits ConvStage, DenseStage, AffineStage, AvgPoolStage {
    private final double[] bias;
    private final double[] columnNorm;
    private final long backwardTerms;
    private final long forwardTerms;
    private final double entryError;
    private final double[] biasError;

    /** A stage whose M̂ and b̂ are the exact M and b. */
    LinearStage(int in, int out, double[] bias, double[] columnNorm, long backwardTerms, long forwardTerms) {
        this(in, out, bias, columnNorm, backwardTerms, forwardTerms, 0, null);
    }

    LinearStage(int in, int out, double[] bias, double[] columnNorm, long backwardTerms, long forwardTerms, double entryError,
            double[] biasError) {
        super(in, out);
        this.bias = bias;
        this.columnNorm = columnNorm;
        this.backwardTerms = backwardTerms;
        this.forwardTerms = forwardTerms;
        this.entryError = entryError;
        this.biasError = biasError;
    }

    /** M̂ v + b̂ computed for n samples (the IBP center). */
    abstract double[] forward(double[] v, int n);

    /** |M̂| v for n non-negative samples (no bias). */
    abstract double[] absForward(double[] v, int n);

    /** Λ·M̂ for rows of Λ over the output. */
    abstract double[] backward(double[] lam, int rows);

    /** b̂ per output element. */
    final double[] bias() {
        return bias;
    }

    /** Upper ends of ‖M[:, c]‖₂ per input element c (for the rounding of Λ·M̂). */
    final double[] columnNorm() {
        return columnNorm;
    }

    /** Terms per entry of Λ·M̂ (γ of the backward product). */
    final long backwardTerms() {
        return backwardTerms;
    }

    /** Terms per entry of M̂ v + b̂ (γ of the forward product, bias included). */
    final long forwardTerms() {
        return forwardTerms;
    }

    /**
     * The error of M̂, b̂ beyond the products' own rounding: |M − M̂| ≤ entryError·|M̂| entrywise, |b − b̂| ≤ biasError
     * per output element (null: 0). 0 for stages whose M̂, b̂ are exact.
     */
    final double entryError() {
        return entryError;
    }

    final double[] biasError() {
        return biasError;
    }
}
