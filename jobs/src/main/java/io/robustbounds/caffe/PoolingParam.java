package io.robustbounds.caffe;

import java.util.OptionalLong;

/**
 * PoolingParameter (caffe.proto: pool 1, kernel_size 2, stride 3 [default 1], pad 4 [default 0], kernel_h 5,
 * kernel_w 6, stride_h 7, stride_w 8, pad_h 9, pad_w 10, global_pooling 12). Unset optional fields are empty;
 * the *2d methods resolve them as Caffe's PoolingLayer does.
 */
public record PoolingParam(PoolMethod pool, OptionalLong kernelSize, OptionalLong kernelH, OptionalLong kernelW,
        long stride, OptionalLong strideH, OptionalLong strideW, long pad, OptionalLong padH, OptionalLong padW,
        boolean globalPooling) {

    /** PoolingParameter.PoolMethod. */
    public enum PoolMethod {
        MAX, AVE, STOCHASTIC
    }

    /** The defaults of caffe.proto: MAX, stride 1, pad 0, no kernel, not global. */
    public static PoolingParam defaults() {
        return new PoolingParam(PoolMethod.MAX, OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), 1,
                OptionalLong.empty(), OptionalLong.empty(), 0, OptionalLong.empty(), OptionalLong.empty(), false);
    }

    /** {kernel height, kernel width}: kernel_size if set, else kernel_h/kernel_w; not for global pooling. */
    public long[] kernel2d() {
        if (globalPooling) {
            throw new IllegalStateException("global pooling: the kernel is the input's spatial size");
        }
        if (kernelSize.isPresent()) {
            if (kernelH.isPresent() || kernelW.isPresent()) {
                throw new IllegalStateException("both kernel_size and kernel_h/_w are given");
            }
            return new long[] {kernelSize.getAsLong(), kernelSize.getAsLong()};
        }
        if (kernelH.isEmpty() || kernelW.isEmpty()) {
            throw new IllegalStateException("kernel size is not given");
        }
        return new long[] {kernelH.getAsLong(), kernelW.getAsLong()};
    }

    /** {stride height, stride width}: stride_h/stride_w if set, else stride. */
    public long[] stride2d() {
        return pair("stride", strideH, strideW, stride);
    }

    /** {pad height, pad width}: pad_h/pad_w if set, else pad. */
    public long[] pad2d() {
        return pair("pad", padH, padW, pad);
    }

    private static long[] pair(String what, OptionalLong h, OptionalLong w, long both) {
        if (h.isPresent() || w.isPresent()) {
            if (h.isEmpty() || w.isEmpty()) {
                throw new IllegalStateException(what + "_h and " + what + "_w must be given together");
            }
            return new long[] {h.getAsLong(), w.getAsLong()};
        }
        return new long[] {both, both};
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("pool(").append(pool);
        try {
            if (globalPooling) {
                sb.append(", global");
            } else {
                long[] k = kernel2d();
                sb.append(", kernel=").append(k[0]).append('x').append(k[1]);
            }
            long[] s = stride2d(), p = pad2d();
            sb.append(", stride=").append(s[0]).append('x').append(s[1]).append(", pad=").append(p[0]).append('x')
                    .append(p[1]);
        } catch (IllegalStateException e) {
            sb.append(", ").append(e.getMessage());
        }
        return sb.append(')').toString();
    }
}
