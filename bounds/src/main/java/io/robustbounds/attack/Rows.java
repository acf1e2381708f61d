package io.robustbounds.attack;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import java.util.Arrays;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

/** The attacks' batching: a subset of samples gathered into padded batches, each evaluated in a step workspace. */
final class Rows {
    /** Workspace depths of the attacks, apart from those of the evaluators (0, 1) so an attack may run inside one. */
    static final int WORKSPACE = 10;
    static final int INNER_WORKSPACE = 11;

    private Rows() {
    }

    interface Work {
        /** rows[r] is the sample at batch row r, for r < rows.length; the pass covers the padded batch. */
        void run(int[] rows, Differentiable.Pass pass);
    }

    /**
     * Runs work on the given samples at {@code points} (row-major [n · d], only the listed rows are read): in
     * consecutive batches of at most maxRows, each padded with zero rows to at least minRows.
     */
    static void forEach(Differentiable net, int[] samples, double[] points, Work work) {
        int d = net.inputSize();
        int max = Math.max(1, net.maxRows());
        for (int from = 0; from < samples.length; from += max) {
            int count = Math.min(max, samples.length - from);
            int padded = Math.max(count, net.minRows());
            int[] rows = Arrays.copyOfRange(samples, from, from + count);
            double[] x = new double[padded * d];
            for (int r = 0; r < count; r++) {
                System.arraycopy(points, rows[r] * d, x, r * d, d);
            }
            try (MemoryWorkspace ignored = Workspaces.step(WORKSPACE)) {
                work.run(rows, net.forward(Arrays2.fromDoubles(x, net.dataType(), padded, d)));
            }
        }
    }

    /** Indices i with !done[i]. */
    static int[] pending(boolean[] done) {
        int c = 0;
        for (boolean b : done) {
            c += b ? 0 : 1;
        }
        int[] out = new int[c];
        c = 0;
        for (int i = 0; i < done.length; i++) {
            if (!done[i]) {
                out[c++] = i;
            }
        }
        return out;
    }

    /** The argmax over j ≠ c of one row of logits (the runner-up), −1 with a single class. */
    static int runnerUp(double[] logits, int offset, int classes, int c) {
        int best = -1;
        for (int j = 0; j < classes; j++) {
            if (j != c && (best < 0 || logits[offset + j] > logits[offset + best])) {
                best = j;
            }
        }
        return best;
    }

    static double norm(double[] v, int offset, int length) {
        double s = 0;
        for (int j = offset; j < offset + length; j++) {
            s += v[j] * v[j];
        }
        return Math.sqrt(s);
    }

    /** The predicted classes of n samples x (one forward pass). */
    static int[] predict(Differentiable net, double[] x, int n) {
        int[] predicted = new int[n];
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        forEach(net, all, x, (rows, pass) -> {
            int[] cls = Classes.argmax(pass.logits(), net.classes());
            for (int r = 0; r < rows.length; r++) {
                predicted[rows[r]] = cls[r];
            }
        });
        return predicted;
    }

    static void checkBatch(Differentiable net, double[] x, int n) {
        if (x.length != (long) n * net.inputSize()) {
            throw new IllegalArgumentException("expected " + n + " samples of " + net.inputSize() + " values, got " + x.length + " values");
        }
        if (net.classes() < 2) {
            throw new IllegalArgumentException("an attack needs at least 2 classes, got " + net.classes());
        }
    }
}
