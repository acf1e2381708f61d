package io.robustbounds.certified;

/** A dense layer v ↦ W v + b (W [out × in]); the network's head is one too. */
final class DenseStage extends LinearStage {
    final Gemm.Matrix weight;
    final Gemm.Matrix weightT;
    final Gemm.Matrix absT;
    final double[] b;
    /** Upper ends of ‖W[r, :]‖₂ per output r. */
    final double[] rowNorm;

    DenseStage(double[] wv, double[] b, int out, int in) {
        super(in, out, b, columnNorm(wv, out, in), out, in + 1L);
        this.b = b;
        weight = new Gemm.Matrix(wv, out, in);
        double[] t = new double[wv.length];
        double[] a = new double[wv.length];
        rowNorm = new double[out];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                double v = wv[r * in + c];
                t[c * out + r] = v;
                a[c * out + r] = Math.abs(v);
                rowNorm[r] += v * v;
            }
        }
        for (int r = 0; r < out; r++) {
            rowNorm[r] = Rounding.normUp(rowNorm[r], in);
        }
        weightT = new Gemm.Matrix(t, in, out);
        absT = new Gemm.Matrix(a, in, out);
    }

    private static double[] columnNorm(double[] wv, int out, int in) {
        double[] columnNorm = new double[in];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                double v = wv[r * in + c];
                columnNorm[c] += v * v;
            }
        }
        for (int c = 0; c < in; c++) {
            columnNorm[c] = Rounding.normUp(columnNorm[c], out);
        }
        return columnNorm;
    }

    @Override
    double[] forward(double[] v, int n) {
        double[] z = Gemm.multiply(v, n, weightT);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < out; j++) {
                z[i * out + j] += b[j];
            }
        }
        return z;
    }

    @Override
    double[] absForward(double[] v, int n) {
        return Gemm.multiply(v, n, absT);
    }

    @Override
    double[] backward(double[] lam, int rows) {
        return Gemm.multiply(lam, rows, weight);
    }
}
