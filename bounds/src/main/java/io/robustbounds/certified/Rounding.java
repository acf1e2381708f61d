package io.robustbounds.certified;

/**
 * Outward rounding for the certified mode, on top of {@link io.robustbounds.bounds.Rounding} (γ_n and the unit
 * roundoff are the same there) (docs/certified-mode.md, "Rounding"). IEEE double, round to nearest,
 * unit roundoff u = 2⁻⁵³: one operation's exact result lies in [nextDown(fl), nextUp(fl)], so {@link #up}/{@link #down}
 * applied to a single operation's result give a proven upper/lower end. Sums and dot products of n terms in any
 * order (BLAS blocking and FMA included) satisfy |fl(Σ aᵢbᵢ) − Σ aᵢbᵢ| ≤ γₙ Σ|aᵢbᵢ| (Higham, Accuracy and Stability
 * of Numerical Algorithms, 2nd ed., §3.1, eq. 3.4–3.5), with γₙ = nu/(1 − nu).
 */
final class Rounding {
    private Rounding() {
    }

    /** u = 2⁻⁵³ (the certified mode computes in double). */
    static final double U = io.robustbounds.bounds.Rounding.unitRoundoff(org.nd4j.linalg.api.buffer.DataType.DOUBLE);

    /**
     * Factor for a computed non-negative sum of at most 10⁹ non-negative rounded terms (norms, error terms): the
     * computed value is at least (1 − γ_{10⁹+2}) times the exact one, and 1/(1 − 1.2·10⁻⁷) < 1 + 10⁻⁶.
     */
    static final double INFLATE = 1 + 1e-6;

    /** Absolute term for underflow: each operation below the normal range errs by at most 2⁻¹⁰⁷⁵ ≪ this. */
    static final double TINY = 1e-290;

    /** γₙ = nu/(1 − nu), rounded up (n below 10⁹). */
    static double gamma(long n) {
        return io.robustbounds.bounds.Rounding.gamma(n, U, INFLATE);
    }

    /** A proven upper end of the exact result of the single operation that produced {@code x}. */
    static double up(double x) {
        return Math.nextUp(x);
    }

    /** A proven lower end of the exact result of the single operation that produced {@code x}. */
    static double down(double x) {
        return Math.nextDown(x);
    }

    /** A proven upper end of a computed non-negative magnitude (norm, error sum). */
    static double inflate(double nonNegative) {
        return nonNegative * INFLATE + TINY;
    }

    /**
     * A proven upper end of the Euclidean norm whose squares, n terms, summed to {@code computedSquares}: the exact sum
     * is at most computed/(1 − γₙ) ≤ computed·(1 + 2γₙ) (non-negative terms), and sqrt is correctly rounded.
     */
    static double normUp(double computedSquares, long n) {
        return up(Math.sqrt(up(computedSquares * up(1 + 2 * gamma(n + 1))) + TINY));
    }

    /**
     * A proven lower end of the exact value of an expression of at most 8 additions/subtractions whose computed
     * result is {@code value} and whose terms' magnitudes sum to {@code magnitude}: each operation errs by at most
     * u times a partial sum, itself at most (1 + 8u)·magnitude.
     */
    static double lowerOf(double value, double magnitude) {
        return value - 9 * U * magnitude - TINY;
    }
}
