package io.robustbounds.certified;

import java.util.Arrays;

/** Average pooling over size×size windows, no padding: each output the mean of its window (M entries 1/size², rounded). */
final class AvgPoolStage extends LinearStage {
    final PoolWindow window;
    final double weight;

    /**
     * An input entry sums at most ⌈size/stride⌉² products backward; forward, size² additions and one product;
     * 1/size² is rounded once.
     */
    AvgPoolStage(PoolWindow window) {
        super(window.inputSize(), window.outputSize(), new double[window.outputSize()], columnNorm(window),
                cover(window) * cover(window), (long) window.size * window.size + 1, Rounding.U, null);
        this.window = window;
        weight = 1.0 / (window.size * window.size);
    }

    /** Windows covering an input entry along one side, at most: ⌈size/stride⌉. */
    private static long cover(PoolWindow window) {
        return (window.size + window.stride - 1) / window.stride;
    }

    /** A column holds the weight once per window covering it, at most ⌈size/stride⌉² windows. */
    private static double[] columnNorm(PoolWindow window) {
        double weight = 1.0 / (window.size * window.size);
        int cover = (int) cover(window);
        double[] columnNorm = new double[window.inputSize()];
        Arrays.fill(columnNorm, Rounding.up(weight * (1 + Rounding.U) * cover));
        return columnNorm;
    }

    @Override
    double[] forward(double[] v, int n) {
        return pool(v, n);
    }

    @Override
    double[] absForward(double[] v, int n) {
        return pool(v, n);
    }

    private double[] pool(double[] v, int n) {
        PoolWindow p = window;
        double[] o = new double[n * out];
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < p.ch; c++) {
                for (int y = 0; y < p.th; y++) {
                    for (int x = 0; x < p.tw; x++) {
                        double sum = 0;
                        for (int dy = 0; dy < p.size; dy++) {
                            for (int dx = 0; dx < p.size; dx++) {
                                sum += v[s * in + (c * p.h + y * p.stride + dy) * p.w + x * p.stride + dx];
                            }
                        }
                        o[s * out + (c * p.th + y) * p.tw + x] = weight * sum;
                    }
                }
            }
        }
        return o;
    }

    @Override
    double[] backward(double[] lam, int rows) {
        PoolWindow p = window;
        double[] o = new double[rows * in];
        for (int s = 0; s < rows; s++) {
            for (int c = 0; c < p.ch; c++) {
                for (int y = 0; y < p.th; y++) {
                    for (int x = 0; x < p.tw; x++) {
                        double g = lam[s * out + (c * p.th + y) * p.tw + x];
                        if (g == 0) {
                            continue;
                        }
                        double v = g * weight;
                        for (int dy = 0; dy < p.size; dy++) {
                            for (int dx = 0; dx < p.size; dx++) {
                                o[s * in + (c * p.h + y * p.stride + dy) * p.w + x * p.stride + dx] += v;
                            }
                        }
                    }
                }
            }
        }
        return o;
    }
}
