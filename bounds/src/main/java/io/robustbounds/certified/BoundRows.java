package io.robustbounds.certified;

import java.util.Arrays;

/**
 * One sample's intermediate bound rows from a propagation at radius eps: per nonlinear stage s and unit of its
 * input, A − εB ≤ v ≤ A⁺ + εB⁺ for every ε ≤ eps (NaN: no row, the interval bounds serve). A {@link SearchSession}
 * keeps them to reuse at smaller radii.
 */
final class BoundRows {
    final double eps;
    final double[][] a;
    final double[][] b;
    final double[][] aUp;
    final double[][] bUp;
    /** Per MAX pool stage s and input i: v_t − vᵢ ≥ dA − εdB (t its window's largest at x₀; NaN: no row). */
    final double[][] dA;
    final double[][] dB;
    /** Per MAX pool stage s: the inputs t of the windows that have difference rows (the t-line's base). */
    final boolean[][] top;

    BoundRows(double eps, int depth) {
        this.eps = eps;
        a = new double[depth][];
        b = new double[depth][];
        aUp = new double[depth][];
        bUp = new double[depth][];
        dA = new double[depth][];
        dB = new double[depth][];
        top = new boolean[depth][];
    }

    void allocate(int s, int size) {
        a[s] = new double[size];
        b[s] = new double[size];
        aUp[s] = new double[size];
        bUp[s] = new double[size];
        Arrays.fill(a[s], Double.NaN);
        Arrays.fill(aUp[s], Double.NaN);
    }

    void setLower(int s, int unit, double lowA, double lowB) {
        a[s][unit] = lowA;
        b[s][unit] = lowB;
    }

    void allocateDifferences(int s, int size) {
        dA[s] = new double[size];
        dB[s] = new double[size];
        top[s] = new boolean[size];
        Arrays.fill(dA[s], Double.NaN);
    }

    void setDifference(int s, int unit, double diffA, double diffB) {
        dA[s][unit] = diffA;
        dB[s][unit] = diffB;
    }

    void setUpper(int s, int unit, double upA, double upB) {
        aUp[s][unit] = upA;
        bUp[s][unit] = upB;
    }
}
