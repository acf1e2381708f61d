package io.robustbounds.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * How initial weights are drawn, from a fan-in (inputs per output unit: in, or c·q·q for a convolution) and a
 * fan-out (units, or k·q·q). Biases start at 0.
 */
public enum WeightInit {
    /** Glorot normal: N(0, 2 / (fan_in + fan_out)). */
    XAVIER("xavier"),
    /** Glorot uniform: U(±√(6 / (fan_in + fan_out))). */
    XAVIER_UNIFORM("xavier-uniform"),
    /** Caffe's "xavier" filler (its default variance_norm FAN_IN): U(±√(3 / fan_in)), as in Caffe's LeNet example. */
    CAFFE_XAVIER("caffe-xavier"),
    /** He normal: N(0, 2 / fan_in), for ReLU layers. */
    HE("he");

    private final String id;

    WeightInit(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** One weight drawn from {@code random}. */
    public double sample(SplittableRandom random, long fanIn, long fanOut) {
        return switch (this) {
            case XAVIER -> random.nextGaussian() * Math.sqrt(2.0 / (fanIn + fanOut));
            case XAVIER_UNIFORM -> uniform(random, Math.sqrt(6.0 / (fanIn + fanOut)));
            case CAFFE_XAVIER -> uniform(random, Math.sqrt(3.0 / fanIn));
            case HE -> random.nextGaussian() * Math.sqrt(2.0 / fanIn);
        };
    }

    private static double uniform(SplittableRandom random, double a) {
        return (2 * random.nextDouble() - 1) * a;
    }

    /** Parses a configuration name; the error lists the known names. */
    public static WeightInit parse(String name) {
        for (WeightInit w : values()) {
            if (w.id.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown weight init '" + name + "', expected one of "
                + Arrays.stream(values()).map(WeightInit::id).collect(Collectors.joining(", ")));
    }
}
