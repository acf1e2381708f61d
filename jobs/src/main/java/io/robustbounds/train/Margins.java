package io.robustbounds.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The output margin δ of Theorem 3.6 with c the true class, in double, from logits and the head's weights. */
public final class Margins {
    private Margins() {
    }

    /**
     * δ_i = min_{c' ≠ y_i} |z_c' − z_{y_i}| / ‖w_c' − w_{y_i}‖ for logits z [n, C] and head weights W [C, F]
     * (thesis §3.2; BOUNDS.md §1 with c the true class instead of the predicted one).
     */
    public static double[] trueClassMargins(INDArray logits, INDArray headWeight, int[] labels) {
        int classes = (int) headWeight.size(0);
        int features = (int) headWeight.size(1);
        double[][] w = new double[classes][features];
        for (int c = 0; c < classes; c++) {
            for (int f = 0; f < features; f++) {
                w[c][f] = headWeight.getDouble(c, f);
            }
        }
        double[][] dist = new double[classes][classes];
        for (int a = 0; a < classes; a++) {
            for (int b = 0; b < classes; b++) {
                double s = 0;
                for (int f = 0; f < features; f++) {
                    double d = w[a][f] - w[b][f];
                    s += d * d;
                }
                dist[a][b] = Math.sqrt(s);
            }
        }
        double[] delta = new double[labels.length];
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            double min = Double.POSITIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                if (c != y) {
                    min = Math.min(min, Math.abs(logits.getDouble(i, c) - logits.getDouble(i, y)) / dist[c][y]);
                }
            }
            delta[i] = min;
        }
        return delta;
    }

    /** Mean softmax cross-entropy −log softmax(z)_y over the rows of logits z [n, C], computed stably. */
    public static double meanCrossEntropy(INDArray logits, int[] labels) {
        int classes = (int) logits.size(1);
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits.getDouble(i, c));
            }
            double z = 0;
            for (int c = 0; c < classes; c++) {
                z += Math.exp(logits.getDouble(i, c) - max);
            }
            sum += max + Math.log(z) - logits.getDouble(i, labels[i]);
        }
        return labels.length == 0 ? Double.NaN : sum / labels.length;
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? Double.NaN : s / v.length;
    }
}
