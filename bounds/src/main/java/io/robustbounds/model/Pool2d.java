package io.robustbounds.model;

import io.robustbounds.linalg.Arrays2;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D pooling over size×size windows, no padding (thesis §5.2.2): MAX, AVERAGE or L_p
 * ((Σ|x|^p)^{1/p}, p ≥ 1). Windows may overlap (stride < size). Output side floor((H − size)/stride) + 1;
 * Caffe rounds up instead (ceil, its last window may hang over the edge), so the Caffe importer has to add
 * the missing padding or reject such layers.
 *
 * <p>MAX and AVERAGE run as libnd4j's maxpool2d / avgpool2d ops and their _bp ops on the whole batch (MAX ties:
 * the first maximum in row-major window order gets the gradient, as in the Java loops). L_p, and the
 * cross-check of the others ({@link #forwardJava}, {@link #inputGradientJava}), copy the batch out in one bulk
 * copy ({@link Arrays2}) and pool in plain Java loops in double. Max pooling 2/2 on 386×20×24×24 (LeNet's
 * pool1, one FGS chunk): 40–88 ms in the Java loops, 6.7 ms native (2 shared cores).
 */
public record Pool2d(Method method, double p, int size, int stride) implements TrunkLayer {

    public enum Method { MAX, AVERAGE, LP }

    public Pool2d {
        if (size < 1 || stride < 1) {
            throw new IllegalArgumentException("pool: size and stride must be ≥ 1, got size " + size + ", stride " + stride);
        }
        if (method == Method.LP && !(p >= 1 && Double.isFinite(p))) {
            throw new IllegalArgumentException("pool: L_p pooling needs a finite p ≥ 1, got " + p);
        }
    }

    public static Pool2d max(int size, int stride) {
        return new Pool2d(Method.MAX, Double.NaN, size, stride);
    }

    public static Pool2d average(int size, int stride) {
        return new Pool2d(Method.AVERAGE, Double.NaN, size, stride);
    }

    public static Pool2d lp(double p, int size, int stride) {
        return new Pool2d(Method.LP, p, size, stride);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.POOL;
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 3 || in[1] < size || in[2] < size) {
            throw new IllegalArgumentException("pool: expected input [C, H, W] with H, W ≥ " + size + " for window "
                    + Arrays.toString(new long[] {size, size}) + ", got " + Arrays.toString(in));
        }
        return new long[] {in[0], (in[1] - size) / stride + 1, (in[2] - size) / stride + 1};
    }

    private long[] checkBatch(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("pool: expected a batch [N, C, H, W], got " + Arrays.toString(x.shape()));
        }
        return outputShape(new long[] {x.size(1), x.size(2), x.size(3)});
    }

    /** libnd4j's pooling op (MAX: maxpool2d, AVERAGE: avgpool2d) or its back-propagation: NCHW, no padding. */
    private INDArray nativeOp(String name, INDArray... inputs) {
        return Nd4j.exec(DynamicCustomOp.builder(name).addInputs(inputs)
                .addIntegerArguments(size, size, stride, stride, 0, 0, 1, 1, 0 /* not SAME */, 0 /* avg: divide by size² */, 0 /* NCHW */)
                .build())[0];
    }

    @Override
    public INDArray forward(INDArray x) {
        long[] o = checkBatch(x);
        if (method != Method.LP) {
            return nativeOp(method == Method.MAX ? "maxpool2d" : "avgpool2d", x);
        }
        return forwardJava(x, o);
    }

    /** The forward pass in plain Java loops (every method; the L_p path and the native ops' cross-check). */
    INDArray forwardJava(INDArray x) {
        return forwardJava(x, checkBatch(x));
    }

    private INDArray forwardJava(INDArray x, long[] o) {
        int planes = (int) (x.size(0) * x.size(1));
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        int th = (int) o[1];
        int tw = (int) o[2];
        double[] in = Arrays2.toDoubles(x);
        double[] out = new double[planes * th * tw];
        double inv = 1.0 / ((double) size * size);
        for (int pl = 0; pl < planes; pl++) {
            int base = pl * h * w;
            for (int i = 0; i < th; i++) {
                for (int j = 0; j < tw; j++) {
                    int r0 = i * stride;
                    int c0 = j * stride;
                    double acc = method == Method.MAX ? Double.NEGATIVE_INFINITY : 0;
                    for (int r = r0; r < r0 + size; r++) {
                        for (int c = c0; c < c0 + size; c++) {
                            double v = in[base + r * w + c];
                            switch (method) {
                                case MAX -> acc = Math.max(acc, v);
                                case AVERAGE -> acc += v;
                                case LP -> acc += Math.pow(Math.abs(v), p);
                            }
                        }
                    }
                    out[(pl * th + i) * tw + j] = switch (method) {
                        case MAX -> acc;
                        case AVERAGE -> acc * inv;
                        case LP -> Math.pow(acc, 1 / p);
                    };
                }
            }
        }
        return Arrays2.fromDoubles(out, x.dataType(), x.size(0), x.size(1), th, tw);
    }

    /**
     * MAX: gradOut goes to the first maximum of each window; AVERAGE: gradOut/size² to every element;
     * L_p: ∂y/∂x_i = sign(x_i)|x_i|^{p−1} / y^{p−1} (0 where the window is all zeros). Overlapping windows add.
     */
    @Override
    public INDArray inputGradient(INDArray x, INDArray gradOut) {
        long[] o = checkGradient(x, gradOut);
        if (method != Method.LP) {
            INDArray g = gradOut.dataType() == x.dataType() ? gradOut : gradOut.castTo(x.dataType());
            return nativeOp(method == Method.MAX ? "maxpool2d_bp" : "avgpool2d_bp", x, g);
        }
        return inputGradientJava(x, gradOut, o);
    }

    private long[] checkGradient(INDArray x, INDArray gradOut) {
        long[] o = checkBatch(x);
        long[] expected = {x.size(0), o[0], o[1], o[2]};
        if (!Arrays.equals(gradOut.shape(), expected)) {
            throw new IllegalArgumentException("pool: gradOut must have the output's shape " + Arrays.toString(expected)
                    + ", got " + Arrays.toString(gradOut.shape()));
        }
        return o;
    }

    /** The input gradient in plain Java loops (every method; the L_p path and the native ops' cross-check). */
    INDArray inputGradientJava(INDArray x, INDArray gradOut) {
        return inputGradientJava(x, gradOut, checkGradient(x, gradOut));
    }

    private INDArray inputGradientJava(INDArray x, INDArray gradOut, long[] o) {
        int planes = (int) (x.size(0) * x.size(1));
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        int th = (int) o[1];
        int tw = (int) o[2];
        double[] in = Arrays2.toDoubles(x);
        double[] g = Arrays2.toDoubles(gradOut);
        double[] gin = new double[in.length];
        double inv = 1.0 / ((double) size * size);
        for (int pl = 0; pl < planes; pl++) {
            int base = pl * h * w;
            for (int i = 0; i < th; i++) {
                for (int j = 0; j < tw; j++) {
                    int r0 = i * stride;
                    int c0 = j * stride;
                    double go = g[(pl * th + i) * tw + j];
                    switch (method) {
                        case MAX -> {
                            int arg = base + r0 * w + c0;
                            for (int r = r0; r < r0 + size; r++) {
                                for (int c = c0; c < c0 + size; c++) {
                                    if (in[base + r * w + c] > in[arg]) {
                                        arg = base + r * w + c;
                                    }
                                }
                            }
                            gin[arg] += go;
                        }
                        case AVERAGE -> {
                            for (int r = r0; r < r0 + size; r++) {
                                for (int c = c0; c < c0 + size; c++) {
                                    gin[base + r * w + c] += go * inv;
                                }
                            }
                        }
                        case LP -> {
                            double s = 0;
                            for (int r = r0; r < r0 + size; r++) {
                                for (int c = c0; c < c0 + size; c++) {
                                    s += Math.pow(Math.abs(in[base + r * w + c]), p);
                                }
                            }
                            if (s == 0) {
                                break;
                            }
                            // y^{p−1} = s^{(p−1)/p}
                            double scale = go / Math.pow(s, (p - 1) / p);
                            for (int r = r0; r < r0 + size; r++) {
                                for (int c = c0; c < c0 + size; c++) {
                                    double v = in[base + r * w + c];
                                    gin[base + r * w + c] += scale * Math.signum(v) * Math.pow(Math.abs(v), p - 1);
                                }
                            }
                        }
                    }
                }
            }
        }
        return Arrays2.fromDoubles(gin, x.dataType(), x.shape());
    }

    /**
     * Thesis Theorem 5.3 (§5.2.2), output c×t×t: MAX and AVERAGE κ / t, L_p κ / (t · q^{2/p}) with q the window
     * side. Valid but loose (BOUNDS.md §3: non-overlapping MAX/average pooling is 1-Lipschitz). The theorem
     * assumes a square output; a non-square one is rejected rather than guessed.
     */
    @Override
    public double[] paperKappa(INDArray x, INDArray y, double[] nextKappa) {
        long[] o = checkBatch(x);
        if (o[1] != o[2]) {
            throw new IllegalArgumentException("pool: Theorem 5.3 assumes a square output c×t×t, got "
                    + Arrays.toString(o) + " for input " + Arrays.toString(x.shape()));
        }
        double t = o[1];
        double div = method == Method.LP ? t * Math.pow(size, 2 / p) : t;
        double[] k = new double[nextKappa.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = nextKappa[i] / div;
        }
        return k;
    }

    /** Sound mode: {@link io.robustbounds.bounds.SoundBounds#poolLipschitz}. */
    @Override
    public double lipschitz() {
        return io.robustbounds.bounds.SoundBounds.poolLipschitz(method, p, size, stride);
    }

    /**
     * MAX selects a stored value: exact. AVERAGE (libnd4j's avgpool2d in the compute type): a sum of q² terms and a
     * division, |err| ≤ γ_{q²+1}·mean|x| per output, and ‖avgpool(|x̂|)‖ ≤ (ceil(q/s)/q)‖x̂‖. L_p: computed in double
     * over positive terms (relative error ≤ (q² + 8)·2⁻⁵³, pow included) and stored: relative.
     */
    @Override
    public io.robustbounds.bounds.Rounding.Layer rounding(long[] inputShape, double u) {
        return switch (method) {
            case MAX -> io.robustbounds.bounds.Rounding.Layer.EXACT;
            case AVERAGE -> new io.robustbounds.bounds.Rounding.Layer(
                    io.robustbounds.bounds.Rounding.gamma((long) size * size + 1, u) * lipschitz(), 0, 0);
            case LP -> io.robustbounds.bounds.Rounding.storedFromDouble(u, size * size + 8);
        };
    }
}
