package io.robustbounds.model;

import java.util.Arrays;

/**
 * What a model expects of one sample: its shape (C×H×W for images, [d] for vectors) and the range its
 * values are expected to lie in (for example [0, 255] pixels or standardized [-1, 1] features).
 */
public record InputSpec(long[] shape, double low, double high) {

    public InputSpec {
        if (shape == null || shape.length == 0) {
            throw new ModelException("input.shape is missing");
        }
        for (long s : shape) {
            if (s <= 0) {
                throw new ModelException("input.shape must be positive, got " + Arrays.toString(shape));
            }
        }
        if (!(Double.isFinite(low) && Double.isFinite(high) && low < high)) {
            throw new ModelException("input.range must be finite with low < high, got [" + low + ", " + high + "]");
        }
        shape = shape.clone();
    }

    /** Number of input elements (the thesis normalizes bounds by it, Table 5.1). */
    public long size() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputSpec other && Arrays.equals(shape, other.shape)
                && Double.compare(low, other.low) == 0 && Double.compare(high, other.high) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Double.hashCode(low) * 7 + Double.hashCode(high);
    }

    @Override
    public String toString() {
        return "InputSpec" + Arrays.toString(shape) + " in [" + low + ", " + high + "]";
    }
}
