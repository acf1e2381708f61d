package io.robustbounds.linalg;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between ND4J arrays and Java arrays: one memcpy each, instead of element-wise access
 * (every ND4J call costs tens of µs here; {@code data().asFloat()} is ~40× slower than a bulk get).
 */
public final class Arrays2 {
    private Arrays2() {
    }

    /** The array's values in C order, widened to double. */
    public static double[] toDoubles(INDArray a) {
        INDArray c = contiguous(a);
        int n = Math.toIntExact(c.length());
        double[] out = new double[n];
        if (n == 0) {
            return out;
        }
        Pointer p = c.data().addressPointer();
        if (c.dataType() == DataType.DOUBLE) {
            new DoublePointer(p).get(out, 0, n);
        } else if (c.dataType() == DataType.FLOAT) {
            float[] f = new float[n];
            new FloatPointer(p).get(f, 0, n);
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        } else {
            return c.castTo(DataType.DOUBLE).toDoubleVector();
        }
        return out;
    }

    /** The array's values in C order as float (FLOAT arrays only; others are cast first). */
    public static float[] toFloats(INDArray a) {
        INDArray c = contiguous(a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT));
        int n = Math.toIntExact(c.length());
        float[] out = new float[n];
        if (n > 0) {
            new FloatPointer(c.data().addressPointer()).get(out, 0, n);
        }
        return out;
    }

    /** A new array of the given type and shape holding {@code values} in C order. */
    public static INDArray fromDoubles(double[] values, DataType type, long... shape) {
        INDArray out = Nd4j.createUninitialized(type, shape, 'c');
        if (out.length() != values.length) {
            throw new IllegalArgumentException("values has " + values.length + " elements, shape needs " + out.length());
        }
        if (values.length == 0) {
            return out;
        }
        Pointer p = out.data().addressPointer();
        if (type == DataType.DOUBLE) {
            new DoublePointer(p).put(values, 0, values.length);
        } else if (type == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            new FloatPointer(p).put(f, 0, f.length);
        } else {
            throw new IllegalArgumentException("unsupported type " + type);
        }
        return out;
    }

    private static INDArray contiguous(INDArray a) {
        if (a.ordering() == 'c' && a.offset() == 0 && Shape.hasDefaultStridesForShape(a) && a.data().length() >= a.length()) {
            return a;
        }
        return a.dup('c');
    }

    /** Entries idx of a, in that order (a batch's selected samples). */
    public static double[] pick(double[] a, int[] idx) {
        double[] o = new double[idx.length];
        for (int j = 0; j < idx.length; j++) {
            o[j] = a[idx[j]];
        }
        return o;
    }

    /** As above. */
    public static int[] pick(int[] a, int[] idx) {
        int[] o = new int[idx.length];
        for (int j = 0; j < idx.length; j++) {
            o[j] = a[idx[j]];
        }
        return o;
    }

    /** As above. */
    public static String[] pick(String[] a, int[] idx) {
        String[] o = new String[idx.length];
        for (int j = 0; j < idx.length; j++) {
            o[j] = a[idx[j]];
        }
        return o;
    }

    /** As above. */
    public static boolean[] pick(boolean[] a, int[] idx) {
        boolean[] o = new boolean[idx.length];
        for (int j = 0; j < idx.length; j++) {
            o[j] = a[idx[j]];
        }
        return o;
    }
}
