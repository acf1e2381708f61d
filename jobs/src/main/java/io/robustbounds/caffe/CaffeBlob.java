package io.robustbounds.caffe;

import java.util.Arrays;

/**
 * A BlobProto: its shape (from {@code shape}, else the legacy num/channels/height/width) and its values in
 * Caffe's row-major order. {@code double_data} is narrowed to float.
 */
public record CaffeBlob(long[] shape, float[] data) {
    public CaffeBlob {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The data array itself (not a copy). */
    @Override
    public float[] data() {
        return data;
    }

    /** Product of the shape's dimensions (1 for the empty shape). */
    public long count() {
        long c = 1;
        for (long d : shape) {
            c *= d;
        }
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CaffeBlob b && Arrays.equals(shape, b.shape) && Arrays.equals(data, b.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return Arrays.toString(shape);
    }
}
