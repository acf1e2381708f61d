package io.robustbounds.linalg;

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
}
