package io.robustbounds.jobs;

import java.io.Serializable;

/** A growable primitive list: per-sample values never become boxed objects. */
final class DoubleList implements Serializable {
    private double[] a;
    private int n;

    DoubleList(int capacity) {
        a = new double[Math.max(16, capacity)];
    }

    void add(double v) {
        if (n == a.length) {
            a = java.util.Arrays.copyOf(a, 2 * n);
        }
        a[n++] = v;
    }

    void addAll(DoubleList o) {
        if (n + o.n > a.length) {
            a = java.util.Arrays.copyOf(a, Math.max(2 * a.length, n + o.n));
        }
        System.arraycopy(o.a, 0, a, n, o.n);
        n += o.n;
    }

    double[] toArray() {
        return java.util.Arrays.copyOf(a, n);
    }

    /** Serialized without the unused capacity. */
    private Object writeReplace() {
        DoubleList trimmed = new DoubleList(0);
        trimmed.a = toArray();
        trimmed.n = n;
        return trimmed;
    }
}
