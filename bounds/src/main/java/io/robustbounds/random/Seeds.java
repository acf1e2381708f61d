package io.robustbounds.random;

import java.util.SplittableRandom;

/**
 * Counter-based seeding: the generator of item (seed, stream, i, j…) depends on those numbers only, so a
 * model or sample comes out the same whatever the thread, batch or partition that makes it.
 */
public final class Seeds {
    /** Stream tags keep the models' and the samples' generators apart. */
    public static final long MODEL_STREAM = 0x4d4f44454cL;
    public static final long SAMPLE_STREAM = 0x53414d504cL;

    private Seeds() {
    }

    /** A generator for the key (seed, parts…): each part is folded in through the SplitMix64 finalizer. */
    public static SplittableRandom generator(long seed, long... parts) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (long p : parts) {
            h = mix(h ^ mix(p + 0x9E3779B97F4A7C15L));
        }
        return new SplittableRandom(h);
    }

    /** SplitMix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [low, high). */
    public static double uniform(SplittableRandom r, double low, double high) {
        return low + (high - low) * r.nextDouble();
    }
}
