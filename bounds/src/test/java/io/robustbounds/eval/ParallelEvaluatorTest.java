package io.robustbounds.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How {@link ParallelEvaluator} splits a batch: parts of whole blocks in order, one per worker at most, a single part
 * on the caller's thread, and a worker's exception surfacing as it was thrown. (That the results are bit-identical to
 * one evaluator's is {@code BatchSizeDeterminismTest}'s.)
 */
class ParallelEvaluatorTest {

    /** Predicts each sample's first value as its class; records the row counts it was called with. */
    private static final class Recording implements ModelEvaluator {
        final List<Integer> calls = Collections.synchronizedList(new ArrayList<>());
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());

        @Override
        public int inputSize() {
            return 2;
        }

        @Override
        public int blockRows() {
            return 4;
        }

        @Override
        public SampleResults evaluate(double[] samples, int n) {
            throw new UnsupportedOperationException("not used here");
        }

        @Override
        public int[] predict(double[] samples, int n) {
            calls.add(n);
            threads.add(Thread.currentThread().getName());
            if (samples[0] < 0) {
                throw new IllegalArgumentException("bad sample " + samples[0]);
            }
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = (int) samples[2 * i];
            }
            return out;
        }
    }

    private static double[] samples(int n) {
        double[] x = new double[2 * n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
        }
        return x;
    }

    @Test
    void partsAreWholeBlocksInOrder() {
        List<Recording> made = new ArrayList<>();
        try (ParallelEvaluator p = new ParallelEvaluator(() -> {
            Recording r = new Recording();
            made.add(r);
            return r;
        }, 3)) {
            int n = 21; // 6 blocks of 4 (the last partial): parts of 2 blocks, 2 blocks and the rest
            int[] predicted = p.predict(samples(n), n);
            int[] expected = new int[n];
            for (int i = 0; i < n; i++) {
                expected[i] = i;
            }
            assertArrayEquals(expected, predicted);
            assertEquals(List.of(8), made.get(0).calls);
            assertEquals(List.of(8), made.get(1).calls);
            assertEquals(List.of(5), made.get(2).calls);
        }
    }

    @Test
    void oneBlockRunsOnTheCallersThread() {
        Recording r = new Recording();
        try (ParallelEvaluator p = new ParallelEvaluator(() -> r, 2)) {
            assertArrayEquals(new int[] {0, 1, 2}, p.predict(samples(3), 3));
            assertEquals(List.of(Thread.currentThread().getName()), r.threads);
        }
    }

    @Test
    void aWorkersExceptionSurfacesAsThrown() {
        try (ParallelEvaluator p = new ParallelEvaluator(Recording::new, 2)) {
            double[] x = samples(12);
            x[2 * 8] = -1; // the second part's first sample
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(x, 12));
            assertEquals("bad sample -1.0", e.getMessage());
        }
    }

    @Test
    void workersMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ParallelEvaluator(Recording::new, 0));
    }
}
