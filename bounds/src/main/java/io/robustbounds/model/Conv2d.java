package io.robustbounds.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * 2-D convolution (cross-correlation, as Caffe and PyTorch compute it) with zero padding, the same stride
 * and padding on both axes, and an optional ReLU after it (thesis §5.2.1).
 *
 * <p>Forward: libnd4j's {@code conv2d} op on the whole batch; input gradient: its {@code deconv2d}
 * (transposed convolution). Measured against whole-batch im2col + one GEMM (+ col2im for the gradient;
 * {@link #forwardIm2col}, {@link #inputGradientIm2col}) on 2 shared cores, ND4J 1.0.0-M2.1, OpenBLAS,
 * batch 100, ReLU on ({@code ConvPoolTest.benchmark}, {@code -Dbench=true}); ms per call, range over three
 * runs (the cores were shared, so timings are noisy):
 * <pre>
 *                              forward: im2col+GEMM  conv2d    gradient: col2im  deconv2d
 * FLOAT  1×28×28, 20×1×5×5                    28–45    9–10                42–58     35–74
 * FLOAT  20×12×12, 50×20×5×5                  74–82    9–24               71–167     57–71
 * DOUBLE 1×28×28, 20×1×5×5                   25–125    8–35               49–222   116–127
 * DOUBLE 20×12×12, 50×20×5×5                103–116   19–27              268–274    92–112
 * </pre>
 * conv2d is 3–8× faster than im2col + GEMM; deconv2d is faster for the gradient on the 20→50 layer (the
 * costly one) and comparable on the single-channel first layer. libnd4j's conv2d_bp (which also computes
 * the weight gradient) measured 79–136 ms: not used. Gradient times include the forward conv for the
 * ReLU mask.
 *
 * @param weight  [k, c, q, q'] kernels (output channel, input channel, row, column)
 * @param bias    [k]
 * @param stride  ≥ 1, both axes
 * @param padding ≥ 0 zeros on every side
 * @param relu    whether ReLU follows the convolution
 */
public record Conv2d(INDArray weight, INDArray bias, int stride, int padding, boolean relu) implements TrunkLayer {

    public Conv2d {
        if (weight.rank() != 4) {
            throw new IllegalArgumentException("conv: weight must be [k, c, q, q], got " + Arrays.toString(weight.shape()));
        }
        if (bias.length() != weight.size(0)) {
            throw new IllegalArgumentException("conv: bias must have " + weight.size(0) + " elements (weight "
                    + Arrays.toString(weight.shape()) + "), got " + Arrays.toString(bias.shape()));
        }
        if (stride < 1 || padding < 0) {
            throw new IllegalArgumentException("conv: stride must be ≥ 1 and padding ≥ 0, got stride " + stride
                    + ", padding " + padding);
        }
    }

    public int outChannels() {
        return (int) weight.size(0);
    }

    public int inChannels() {
        return (int) weight.size(1);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.CONV;
    }

    @Override
    public Conv2d withDataType(DataType type) {
        return weight.dataType() == type && bias.dataType() == type ? this
                : new Conv2d(weight.castTo(type), bias.castTo(type), stride, padding, relu);
    }

    @Override
    public Map<String, INDArray> tensors() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("weight", weight);
        t.put("bias", bias);
        return t;
    }

    @Override
    public long[] outputShape(long[] in) {
        long[] w = weight.shape();
        if (in.length != 3 || in[0] != w[1]) {
            throw new IllegalArgumentException("conv: expected input with " + w[1] + " channels [" + w[1]
                    + ", H, W], got " + Arrays.toString(in));
        }
        long th = (in[1] + 2L * padding - w[2]) / stride + 1;
        long tw = (in[2] + 2L * padding - w[3]) / stride + 1;
        if (in[1] + 2L * padding < w[2] || in[2] + 2L * padding < w[3]) {
            throw new IllegalArgumentException("conv: kernel " + Arrays.toString(w) + " with padding " + padding
                    + " does not fit input " + Arrays.toString(in));
        }
        return new long[] {w[0], th, tw};
    }

    private long[] checkBatch(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("conv: expected a batch [N, " + weight.size(1) + ", H, W], got "
                    + Arrays.toString(x.shape()));
        }
        return outputShape(new long[] {x.size(1), x.size(2), x.size(3)});
    }

    private INDArray typed(INDArray a, DataType t) {
        return a.dataType() == t ? a : a.castTo(t);
    }

    /** Weight as a [k, c·q·q'] matrix in x's type. */
    private INDArray weightMatrix(DataType t) {
        return typed(weight, t).reshape('c', weight.size(0), weight.size(1) * weight.size(2) * weight.size(3));
    }

    /**
     * Pre-activation as an [N·t·t', k] matrix (rows in (sample, row, column) order): im2col writes straight
     * into a [N, t, t', c, q, q'] buffer so that one GEMM with Wᵀ gives it, bias added per row.
     */
    private INDArray preActivation(INDArray x, long[] out) {
        long n = x.size(0);
        long c = weight.size(1);
        int q = (int) weight.size(2);
        int q2 = (int) weight.size(3);
        INDArray col = Nd4j.createUninitialized(x.dataType(), new long[] {n, out[1], out[2], c, q, q2}, 'c');
        Convolution.im2col(x, q, q2, stride, stride, padding, padding, false, col.permute(0, 3, 4, 5, 1, 2));
        INDArray z = col.reshape('c', n * out[1] * out[2], c * q * q2).mmul(weightMatrix(x.dataType()).transpose());
        return z.addiRowVector(typed(bias, x.dataType()).reshape(1, out[0]));
    }

    /** The forward pass as im2col + one GEMM (the slower alternative, kept as a cross-check). */
    public INDArray forwardIm2col(INDArray x) {
        long[] out = checkBatch(x);
        INDArray z = preActivation(x, out);
        if (relu) {
            Transforms.relu(z, false);
        }
        return z.reshape('c', x.size(0), out[1], out[2], out[0]).permute(0, 3, 1, 2).dup('c');
    }

    /** libnd4j's {@code conv2d} custom op on the whole batch (NCHW), then ReLU in place. */
    @Override
    public INDArray forward(INDArray x) {
        checkBatch(x);
        INDArray y = nd4jConv(x);
        return relu ? Transforms.relu(y, false) : y;
    }

    private long[] checkGradient(INDArray x, INDArray gradOut) {
        long[] out = checkBatch(x);
        long[] expected = {x.size(0), out[0], out[1], out[2]};
        if (!Arrays.equals(gradOut.shape(), expected)) {
            throw new IllegalArgumentException("conv: gradOut must have the output's shape " + Arrays.toString(expected)
                    + " (input " + Arrays.toString(x.shape()) + "), got " + Arrays.toString(gradOut.shape()));
        }
        return out;
    }

    /**
     * Input gradient as GEMM + col2im (the slower alternative, kept as a cross-check): the transposed
     * convolution of gradOut (times the ReLU mask z > 0 when relu), G [N·t·t', k] · W [k, c·q·q'] gives the
     * columns' gradient, col2im sums the overlapping windows back onto [N, c, H, W].
     */
    public INDArray inputGradientIm2col(INDArray x, INDArray gradOut) {
        long[] out = checkGradient(x, gradOut);
        long n = x.size(0);
        DataType t = x.dataType();
        INDArray g = typed(gradOut, t).permute(0, 2, 3, 1).dup('c').reshape('c', n * out[1] * out[2], out[0]);
        if (relu) {
            g.muli(preActivation(x, out).gt(0).castTo(t));
        }
        long c = weight.size(1);
        int q = (int) weight.size(2);
        int q2 = (int) weight.size(3);
        INDArray colGrad = g.mmul(weightMatrix(t)).reshape('c', n, out[1], out[2], c, q, q2).permute(0, 3, 4, 5, 1, 2);
        return Convolution.col2im(colGrad, stride, stride, padding, padding, (int) x.size(2), (int) x.size(3));
    }

    /**
     * The transposed convolution of gradOut (times the ReLU mask z > 0 when relu) through libnd4j's deconv2d,
     * unpadded: its output covers the padded input, rows/columns 0 … s(t−1)+q−1; the input's rows are p … p+H−1 of that, and any input row
     * past the end is reached by no window (gradient 0). Asking deconv2d for padding p instead would crop p
     * on both sides, which is wrong when (H + 2p − q) is not a multiple of s.
     */
    @Override
    public INDArray inputGradient(INDArray x, INDArray gradOut) {
        return inputGradient(x, relu ? nd4jConv(x) : null, gradOut);
    }

    /** With y = forward(x) at hand the ReLU mask is y > 0 (that is z > 0), without convolving again. */
    @Override
    public INDArray inputGradient(INDArray x, INDArray y, INDArray gradOut) {
        long[] out = checkGradient(x, gradOut);
        DataType t = x.dataType();
        INDArray g = typed(gradOut, t);
        if (relu) {
            g = g.mul(y.gt(0).castTo(t));
        }
        INDArray d = Nd4j.exec(DynamicCustomOp.builder("deconv2d")
                .addInputs(g, typed(weight, t))
                .addIntegerArguments((int) weight.size(2), (int) weight.size(3), stride, stride, 0, 0,
                        1, 1, 0 /* not SAME */, 0 /* NCHW */, 1 /* weights [iC, oC, kH, kW] = our [k, c, q, q'] */)
                .build())[0];
        long h = x.size(2);
        long w = x.size(3);
        long hEnd = Math.min(padding + h, d.size(2));
        long wEnd = Math.min(padding + w, d.size(3));
        INDArray inner = d.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(padding, hEnd),
                NDArrayIndex.interval(padding, wEnd));
        if (hEnd - padding == h && wEnd - padding == w) {
            return inner.dup('c');
        }
        INDArray full = Nd4j.zeros(t, x.shape());
        full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, hEnd - padding),
                NDArrayIndex.interval(0, wEnd - padding)).assign(inner);
        return full;
    }

    /**
     * The convolution without bias or ReLU, W ⋆ s: the layer is affine before its ReLU, so along a ray
     * z(x + ε s) = z(x) + ε (W ⋆ s) and FGS steps need not convolve again.
     */
    public INDArray linearPart(INDArray s) {
        checkBatch(s);
        return nd4jConv(s, false);
    }

    /** The pre-activation W ⋆ x + b (no ReLU). */
    public INDArray preActivation(INDArray x) {
        checkBatch(x);
        return nd4jConv(x);
    }

    /** Pre-activation z = W ⋆ x + b: conv2d, no SAME mode, NCHW, weights [oC, iC, kH, kW] (wFormat 1). */
    private INDArray nd4jConv(INDArray x) {
        return nd4jConv(x, true);
    }

    /** W ⋆ x, plus b when {@code withBias}. */
    private INDArray nd4jConv(INDArray x, boolean withBias) {
        DataType t = x.dataType();
        INDArray[] inputs = withBias ? new INDArray[] {x, typed(weight, t), typed(bias, t).reshape(weight.size(0))}
                : new INDArray[] {x, typed(weight, t)};
        return Nd4j.exec(DynamicCustomOp.builder("conv2d")
                .addInputs(inputs)
                .addIntegerArguments((int) weight.size(2), (int) weight.size(3), stride, stride, padding, padding,
                        1, 1, 0, 0, 1)
                .build())[0];
    }

    /**
     * Thesis Theorem 5.1 (§5.2.1): κ / ‖W‖_F for every sample, whatever x and the stride. Not valid when
     * receptive fields overlap (Lemma A.4 fails; BOUNDS.md §3): paper mode only.
     */
    @Override
    public double[] paperKappa(INDArray x, INDArray y, double[] nextKappa) {
        double frob = weight.norm2Number().doubleValue();
        double[] k = new double[nextKappa.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = nextKappa[i] / frob;
        }
        return k;
    }

    /** Sound mode: {@link io.robustbounds.bounds.SoundBounds#convLipschitz} (ReLU is 1-Lipschitz). */
    @Override
    public double lipschitz() {
        return io.robustbounds.bounds.SoundBounds.convLipschitz(io.robustbounds.linalg.Arrays2.toDoubles(weight), (int) weight.size(0),
                (int) weight.size(1), (int) weight.size(2), (int) weight.size(3), stride);
    }

    /**
     * libnd4j's conv2d: every output is a dot product of K = c·q·q' terms plus the bias (im2col + GEMM, any order or
     * FMA; not Winograd or FFT): |err| ≤ γ_{K+1}(Σ|w||x| + |b|). Over the output, ‖|C| x̂‖ ≤ ‖|C|‖₂‖x̂‖, and both
     * bounds of {@link io.robustbounds.bounds.SoundBounds#convLipschitz} depend on |W| only, so they bound ‖|C|‖₂
     * too; the bias adds ‖b‖·sqrt(t·t'). ReLU is exact and 1-Lipschitz, so it adds nothing.
     */
    @Override
    public io.robustbounds.bounds.Rounding.Layer rounding(long[] inputShape, double u) {
        long[] out = outputShape(inputShape);
        double g = io.robustbounds.bounds.Rounding.gamma(weight.size(1) * weight.size(2) * weight.size(3) + 1, u);
        double biasNorm = 0;
        for (double b : io.robustbounds.linalg.Arrays2.toDoubles(bias)) {
            biasNorm += b * b;
        }
        return new io.robustbounds.bounds.Rounding.Layer(g * lipschitz(), 0, g * Math.sqrt(biasNorm * out[1] * out[2]));
    }
}
