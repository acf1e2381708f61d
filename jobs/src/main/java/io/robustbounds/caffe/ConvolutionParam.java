package io.robustbounds.caffe;

import java.util.List;
import java.util.OptionalLong;

/**
 * ConvolutionParameter (caffe.proto field numbers: num_output 1, bias_term 2, pad 3, kernel_size 4, group 5,
 * stride 6, pad_h 9, pad_w 10, kernel_h 11, kernel_w 12, stride_h 13, stride_w 14, axis 16, dilation 18).
 * Repeated fields are as given (empty if absent); the *2d methods resolve them as Caffe does for 2-D.
 */
public record ConvolutionParam(long numOutput, boolean biasTerm, List<Long> pad, List<Long> kernelSize,
        List<Long> stride, List<Long> dilation, OptionalLong padH, OptionalLong padW, OptionalLong kernelH,
        OptionalLong kernelW, OptionalLong strideH, OptionalLong strideW, long group, long axis) {

    public ConvolutionParam {
        pad = List.copyOf(pad);
        kernelSize = List.copyOf(kernelSize);
        stride = List.copyOf(stride);
        dilation = List.copyOf(dilation);
    }

    /** The defaults of caffe.proto: bias_term true, group 1, axis 1, everything else unset. */
    public static ConvolutionParam defaults() {
        return new ConvolutionParam(0, true, List.of(), List.of(), List.of(), List.of(), OptionalLong.empty(),
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                OptionalLong.empty(), 1, 1);
    }

    /** {kernel height, kernel width}: kernel_h/kernel_w if set, else kernel_size (one value or two). */
    public long[] kernel2d() {
        return resolve("kernel", kernelH, kernelW, kernelSize, -1);
    }

    /** {stride height, stride width}; default 1. */
    public long[] stride2d() {
        return resolve("stride", strideH, strideW, stride, 1);
    }

    /** {pad height, pad width}; default 0. */
    public long[] pad2d() {
        return resolve("pad", padH, padW, pad, 0);
    }

    static long[] resolve(String what, OptionalLong h, OptionalLong w, List<Long> values, long dflt) {
        if (h.isPresent() || w.isPresent()) {
            if (h.isEmpty() || w.isEmpty()) {
                throw new IllegalStateException(what + "_h and " + what + "_w must be given together");
            }
            if (!values.isEmpty()) {
                throw new IllegalStateException("both " + what + "_h/_w and " + what + " are given");
            }
            return new long[] {h.getAsLong(), w.getAsLong()};
        }
        return switch (values.size()) {
            case 0 -> {
                if (dflt < 0) {
                    throw new IllegalStateException(what + " size is not given");
                }
                yield new long[] {dflt, dflt};
            }
            case 1 -> new long[] {values.get(0), values.get(0)};
            case 2 -> new long[] {values.get(0), values.get(1)};
            default -> throw new IllegalStateException(values.size() + " values for " + what + " of a 2-D convolution");
        };
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("conv(num_output=").append(numOutput);
        try {
            long[] k = kernel2d(), s = stride2d(), p = pad2d();
            sb.append(", kernel=").append(k[0]).append('x').append(k[1]).append(", stride=").append(s[0]).append('x')
                    .append(s[1]).append(", pad=").append(p[0]).append('x').append(p[1]);
        } catch (IllegalStateException e) {
            sb.append(", ").append(e.getMessage());
        }
        if (!dilation.isEmpty()) {
            sb.append(", dilation=").append(dilation);
        }
        return sb.append(", group=").append(group).append(", bias_term=").append(biasTerm).append(", axis=")
                .append(axis).append(')').toString();
    }
}
