package io.robustbounds.eval;

import io.robustbounds.linalg.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * One model's batch split into contiguous parts evaluated side by side, each part by its own evaluator on its own
 * thread: the library's parallelism in process, as Spark tasks side by side are the jobs'. Parts are whole blocks
 * ({@link ModelEvaluator#blockRows()}), and a sample's results do not depend on its batch (fixed row blocks, see
 * {@link Padding}), so the results are bit-identical to one evaluator's whatever the number of workers. One caller
 * at a time: its evaluators are not shared between concurrent calls.
 *
 * <p>ND4J ops then run single-threaded ({@link io.robustbounds.linalg.Threads#limit}). On 2 cores two workers beat
 * one evaluator with two threads per op: LeNet-5's FGS search and bounds for 500 samples 1.3–1.5 s against 3.1–3.5 s,
 * the 784-256-256-10 MLP's 2000 samples 0.23–0.28 s against 0.32–0.43 s.
 */
public final class ParallelEvaluator implements ModelEvaluator, AutoCloseable {
    private final List<ModelEvaluator> evaluators = new ArrayList<>();
    private final ExecutorService pool;

    /**
     * {@code workers} evaluators from {@code factory} (each used by one thread at a time), on daemon threads. With more
     * than one worker, ND4J's ops are set to one thread each, process-wide: a result's last bits depend on the ops'
     * thread count (the 784-256-256-10 MLP's mean bound moved by 3·10⁻⁹ relative between one and two), and the jobs'
     * tasks run with one.
     */
    public ParallelEvaluator(Supplier<ModelEvaluator> factory, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        if (workers > 1) {
            Threads.limit(1);
        }
        for (int w = 0; w < workers; w++) {
            evaluators.add(factory.get());
        }
        pool = Threads.daemonPool(workers, "robustbounds-evaluator");
    }

    @Override
    public int inputSize() {
        return evaluators.get(0).inputSize();
    }

    @Override
    public int blockRows() {
        return evaluators.get(0).blockRows();
    }

    @Override
    public SampleResults evaluate(double[] samples, int n) {
        List<SampleResults> parts = run(samples, n, ModelEvaluator::evaluate);
        return parts.size() == 1 ? parts.get(0) : SampleResults.concat(parts);
    }

    @Override
    public int[] predict(double[] samples, int n) {
        List<int[]> parts = run(samples, n, ModelEvaluator::predict);
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private interface Work<T> {
        T apply(ModelEvaluator e, double[] samples, int n);
    }

    /** Part k (whole blocks, the last part the rest) to evaluator k on the pool; a single part on the caller's thread. */
    private <T> List<T> run(double[] samples, int n, Work<T> work) {
        int d = inputSize();
        int block = blockRows();
        int blocks = (n + block - 1) / block;
        int parts = Math.max(1, Math.min(evaluators.size(), blocks));
        if (parts == 1) {
            return List.of(work.apply(evaluators.get(0), samples, n));
        }
        int perPart = (blocks + parts - 1) / parts * block;
        List<java.util.concurrent.Callable<T>> tasks = new ArrayList<>();
        for (int k = 0, start = 0; start < n; k++, start += perPart) {
            int rows = Math.min(perPart, n - start);
            double[] x = java.util.Arrays.copyOfRange(samples, start * d, (start + rows) * d);
            ModelEvaluator e = evaluators.get(k);
            tasks.add(() -> work.apply(e, x, rows));
        }
        return Threads.all(pool, tasks);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
