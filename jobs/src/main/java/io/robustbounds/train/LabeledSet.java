package io.robustbounds.train;

import java.util.Arrays;

/**
 * Samples with their true classes, in memory: n samples of the given shape, each row-major (C×H×W for images)
 * in {@code features}, the sample i at [i·size, (i+1)·size).
 */
public record LabeledSet(double[] features, int[] labels, long[] shape) {

    public LabeledSet {
        if (shape == null || shape.length == 0 || Arrays.stream(shape).anyMatch(s -> s < 1)) {
            throw new IllegalArgumentException("sample shape must be non-empty and positive, got " + Arrays.toString(shape));
        }
        long size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if ((long) labels.length * size != features.length) {
            throw new IllegalArgumentException(labels.length + " labels and " + features.length + " feature values do not fit samples of shape "
                    + Arrays.toString(shape));
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("sample " + i + ": label must be >= 0, got " + labels[i]);
            }
        }
        shape = shape.clone();
    }

    public int size() {
        return labels.length;
    }

    /** Elements of one sample. */
    public int sampleSize() {
        return features.length / Math.max(1, labels.length);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** 1 + the largest label. */
    public int maxLabelPlusOne() {
        return Arrays.stream(labels).max().orElse(-1) + 1;
    }
}
