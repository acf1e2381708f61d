package io.robustbounds.linalg;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's intra-op threads (libnd4j's OpenMP pool and OpenBLAS's). For the small ops of this project one
 * thread per op is faster than two (sweep-shaped model, batches of 16384: 103k samples/s with one thread,
 * 76k with two on this 2-core machine), so Spark tasks run single-threaded ops and get their parallelism
 * from running tasks side by side. Process-wide: call it once per JVM.
 */
public final class Threads {
    private static volatile boolean limitedOnce;

    private Threads() {
    }

    /** {@link #limit} the first time it is called in this JVM (Spark tasks call it on every partition). */
    public static void limitOnce(int threads) {
        if (!limitedOnce) {
            synchronized (Threads.class) {
                if (!limitedOnce) {
                    limit(threads);
                    limitedOnce = true;
                }
            }
        }
    }

    public static void limit(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** A fixed pool of {@code n} daemon threads named prefix-0, prefix-1, … (the in-process workers, see ParallelEvaluator). */
    public static ExecutorService daemonPool(int n, String prefix) {
        int[] next = {0};
        return Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, prefix + "-" + next[0]++);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs every task on the pool and returns their results in order. A task's runtime exception or error is rethrown as
     * it was thrown (the other tasks are cancelled); a checked one is wrapped.
     */
    public static <T> List<T> all(ExecutorService pool, List<Callable<T>> work) {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> w : work) {
            futures.add(pool.submit(w));
        }
        List<T> out = new ArrayList<>();
        try {
            for (Future<T> f : futures) {
                out.add(f.get());
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the workers", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
        return out;
    }
}
