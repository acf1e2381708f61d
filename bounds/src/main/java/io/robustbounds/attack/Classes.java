package io.robustbounds.attack;

/** Class decisions from logits. */
public final class Classes {
    private Classes() {
    }

    /** Row-wise argmax of [samples × classes] logits; ties go to the lowest index. */
    public static int[] argmax(double[] logits, int classes) {
        int n = logits.length / classes;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int base = i * classes;
            int best = 0;
            double max = logits[base];
            for (int c = 1; c < classes; c++) {
                if (logits[base + c] > max) {
                    max = logits[base + c];
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }
}
