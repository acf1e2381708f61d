package io.robustbounds.train;

import io.robustbounds.random.Seeds;
import java.util.SplittableRandom;

/** Small synthetic training sets. */
final class TrainFixtures {
    private TrainFixtures() {
    }

    /**
     * Linearly separable: n points in [−1, 1]^d, class 0/1/2 by which of two fixed hyperplanes' sides they are on, with
     * a gap of {@code gap} around each plane (points inside the gap are redrawn).
     */
    static LabeledSet separable(int n, int d, long seed, double gap) {
        SplittableRandom r = Seeds.generator(seed, 7);
        double[] x = new double[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            while (true) {
                double s1 = 0;
                double s2 = 0;
                for (int j = 0; j < d; j++) {
                    double v = 2 * r.nextDouble() - 1;
                    x[i * d + j] = v;
                    s1 += (j % 2 == 0 ? 1 : -0.5) * v;
                    s2 += (j == 0 ? 0.3 : 1.0 / d) * v;
                }
                s1 += 0.2;
                if (Math.abs(s1) < gap || Math.abs(s2) < gap) {
                    continue;
                }
                y[i] = s1 < 0 ? 0 : s2 < 0 ? 1 : 2;
                break;
            }
        }
        return new LabeledSet(x, y, new long[] {d});
    }

    /** Random images [c, h, w] in [0, 1] with labels by the brightness of their left vs. right half and channel 0 vs the rest. */
    static LabeledSet images(int n, int c, int h, int w, long seed) {
        SplittableRandom r = Seeds.generator(seed, 11);
        int size = c * h * w;
        double[] x = new double[n * size];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double left = 0;
            double right = 0;
            for (int k = 0; k < size; k++) {
                double v = r.nextDouble();
                x[i * size + k] = v;
                if (k % w < w / 2) {
                    left += v;
                } else {
                    right += v;
                }
            }
            y[i] = left > right ? 1 : 0;
        }
        return new LabeledSet(x, y, new long[] {c, h, w});
    }
}
