package io.robustbounds.eval;

import io.robustbounds.attack.Ray;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Pool2d;
import io.robustbounds.model.TrunkLayer;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A trunk that starts convolution → ReLU and/or MAX pool (optional) → convolution (LeNet-5's shape) along FGS rays
 * x + ε s, reusing the second convolution's work between the ε of one sample's search (issue 18: its products were
 * about half of a LeNet-5 evaluation).
 *
 * <p>Why it is exact (in real arithmetic): the first convolution is affine in ε, z(ε) = z(0) + ε (W₁ ⋆ s), and each
 * input of the second convolution, p_w(ε) = g(max_{i∈w} z_i(ε)) (g = ReLU or identity), is a maximum of affine
 * functions passed through a convex nondecreasing g: convex in ε. So on a bracket [a, b] and at q = a + t (b − a),
 * r_w = p_w(q) − (p_w(a) + t (p_w(b) − p_w(a))) ≤ 0, and r_w = 0 exactly when p_w is affine on [a, b] (a convex
 * function that meets its chord inside the interval is that chord). The second convolution's pre-activation
 * c = W₂ ⋆ p + b₂ is linear in p, so
 * <pre>  c(q) = c(a) + t (c(b) − c(a)) + W₂ ⋆ r,</pre>
 * and r is sparse once the bracket is short: only the windows whose maximum or ReLU piece changes inside it. Per sample
 * the ray keeps p and c at the evaluated ε nearest below and above the last query (a bisection's bracket ends) and
 * computes c(q) that way when at most {@link #sparseLimit} windows have r ≠ 0; the other samples get the dense
 * convolution, in one call. The ray computes z and p in double, so an affine window's r is rounding of order 10⁻¹⁶ ·
 * |p|, which is what {@link #ZERO} drops; the interpolated c(q) then differs from a direct convolution by rounding
 * only, and the search's steps agree except at a flip within rounding of a class boundary (the attack's search, never
 * the forward pass the bounds come from). Each sample's path depends on its own values only, so results do not
 * depend on the batch.
 */
final class ConvRay implements Ray {
    /** Evaluated points kept per sample: the bracket's two ends and the last query. */
    private static final int SLOTS = 3;
    /** |r_w| at most this times (|p_w(a)| + |p_w(b)| + |p_w(q)|) is rounding (double), not a change of piece. */
    static final double ZERO = 1e-12;

    private final List<TrunkLayer> trunk;
    private final DenseStack mlp;
    private final Conv2d first;
    /** The layers between the two convolutions (ReLU is the first's own flag). */
    private final List<TrunkLayer> between;
    private final Conv2d second;
    /** The second convolution's index in the trunk. */
    private final int secondIndex;
    private final DataType type;
    private final int n;
    /** z(0) and W₁ ⋆ s, in double. */
    private final INDArray start;
    private final INDArray direction;
    private final long[] pooledShape;
    /** The second convolution's inputs per sample. */
    private final int pooled;
    private final long[] outShape;
    /** The second convolution's outputs per sample. */
    private final int outSize;
    private final int channels;
    private final int pooledH;
    private final int pooledW;
    private final int outChannels;
    private final int outH;
    private final int outW;
    private final int kh;
    private final int kw;
    /** W₂ as [k][c][p][q], in double. */
    private final double[] kernel;
    /** Most changed windows a sample's update takes sparsely; above, its convolution is dense. */
    private final int sparseLimit;
    /** Fewest samples a dense convolution runs with (see {@link #convolveDense}). */
    private final int denseRows;

    private final double[][] slotEps;
    private final double[][][] slotP;
    /** c per slot, NCHW; invalid where {@link #slotHasC} is false (ε = 0 is seeded without it). */
    private final double[][][] slotC;
    private final boolean[][] slotHasC;
    private long sparseSteps;
    private long denseSteps;

    /** Whether {@code trunk} starts with the shape this ray handles (conv, optional MAX pool, conv). */
    static boolean handles(List<TrunkLayer> trunk) {
        return secondConvolution(trunk) > 0;
    }

    /** The index of the second convolution when the trunk starts conv, optional MAX pool, conv; else −1. */
    private static int secondConvolution(List<TrunkLayer> trunk) {
        if (trunk.size() < 2 || !(trunk.get(0) instanceof Conv2d)) {
            return -1;
        }
        int next = trunk.get(1) instanceof Pool2d p && p.method() == Pool2d.Method.MAX ? 2 : 1;
        return trunk.size() > next && trunk.get(next) instanceof Conv2d ? next : -1;
    }

    /**
     * @param x the chunk's samples [n, C, H, W]; {@code signs} the rays' directions, same shape
     */
    ConvRay(List<TrunkLayer> trunk, DenseStack mlp, INDArray x, INDArray signs) {
        this.trunk = trunk;
        this.mlp = mlp;
        this.first = (Conv2d) trunk.get(0);
        this.secondIndex = secondConvolution(trunk);
        if (secondIndex < 0) {
            throw new IllegalArgumentException("ConvRay needs a trunk that starts conv, optional MAX pool, conv");
        }
        this.between = List.copyOf(trunk.subList(1, secondIndex)).stream()
                .map(l -> l.withDataType(DataType.DOUBLE)).toList();
        this.second = (Conv2d) trunk.get(secondIndex);
        this.type = x.dataType();
        this.n = (int) x.size(0);
        this.start = first.preActivation(x).castTo(DataType.DOUBLE);
        this.direction = first.linearPart(signs).castTo(DataType.DOUBLE);
        long[] shape = {start.size(1), start.size(2), start.size(3)};
        for (TrunkLayer l : between) {
            shape = l.outputShape(shape);
        }
        this.pooledShape = new long[] {n, shape[0], shape[1], shape[2]};
        this.channels = (int) shape[0];
        this.pooledH = (int) shape[1];
        this.pooledW = (int) shape[2];
        this.pooled = channels * pooledH * pooledW;
        long[] out = second.outputShape(shape);
        this.outShape = new long[] {n, out[0], out[1], out[2]};
        this.outChannels = (int) out[0];
        this.outH = (int) out[1];
        this.outW = (int) out[2];
        this.outSize = outChannels * outH * outW;
        this.kh = (int) second.weight().size(2);
        this.kw = (int) second.weight().size(3);
        this.kernel = Arrays2.toDoubles(second.weight());
        // a changed window costs outChannels·kh·kw scattered multiply-adds, a dense convolution outSize·channels·kh·kw
        // in a GEMM that runs many times faster per multiply-add: on LeNet-5 a sample's interpolated steps change ~20
        // windows, and a limit of 1/64 of them ran 0.86× the CPU time of 1/16 (docs/benchmarks.md)
        this.sparseLimit = Math.max(1, pooled / 64);
        this.denseRows = Math.min(Padding.BLOCK_ROWS, Padding.rowsPastSmallKernel((long) outSize * channels * kh * kw));
        this.slotEps = new double[n][SLOTS];
        this.slotP = new double[n][SLOTS][pooled];
        this.slotC = new double[n][SLOTS][outSize];
        this.slotHasC = new boolean[n][SLOTS];
        double[] p0 = pooledAt(new double[n]);
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(slotEps[i], Double.NaN);
            slotEps[i][0] = 0;
            System.arraycopy(p0, i * pooled, slotP[i][0], 0, pooled);
        }
    }

    /** Samples whose second convolution was interpolated, and computed densely, so far. */
    long[] steps() {
        return new long[] {sparseSteps, denseSteps};
    }

    /** The second convolution's inputs at z(0) + ε (W₁ ⋆ s), every sample, in double, [n · pooled]. */
    private double[] pooledAt(double[] eps) {
        INDArray e = Arrays2.fromDoubles(eps, DataType.DOUBLE, n, 1, 1, 1);
        INDArray h = direction.mul(e).addi(start);
        if (first.relu()) {
            Transforms.relu(h, false);
        }
        for (TrunkLayer l : between) {
            h = l.forward(h);
        }
        return Arrays2.toDoubles(h);
    }

    @Override
    public double[] logitsAt(double[] eps) {
        if (eps.length != n) {
            throw new IllegalArgumentException("expected " + n + " step sizes, got " + eps.length);
        }
        double[] p = pooledAt(eps);
        int[] target = new int[n];
        int[] dense = new int[n];
        int denseCount = 0;
        for (int i = 0; i < n; i++) {
            int a = nearest(i, eps[i], true);
            int b = nearest(i, eps[i], false);
            int free = 0;
            while (free == a || free == b) { // q's state goes to the slot that is neither bracket end
                free++;
            }
            target[i] = free;
            System.arraycopy(p, i * pooled, slotP[i][free], 0, pooled);
            if (!interpolate(i, eps[i], a, b, free)) {
                dense[denseCount++] = i;
            }
        }
        if (denseCount > 0) {
            convolveDense(java.util.Arrays.copyOf(dense, denseCount), p, target);
        }
        denseSteps += denseCount;
        sparseSteps += n - denseCount;
        double[] c = new double[n * outSize];
        for (int i = 0; i < n; i++) {
            slotEps[i][target[i]] = eps[i];
            slotHasC[i][target[i]] = true;
            System.arraycopy(slotC[i][target[i]], 0, c, i * outSize, outSize);
        }
        INDArray h = Arrays2.fromDoubles(c, type, outShape);
        if (second.relu()) {
            Transforms.relu(h, false);
        }
        for (int l = secondIndex + 1; l < trunk.size(); l++) {
            h = trunk.get(l).forward(h);
        }
        return mlp.forward(h.reshape('c', 1, n, h.length() / n)).logits();
    }

    /** The slot of the kept ε nearest below (or above) q, −1 if none. */
    private int nearest(int i, double q, boolean below) {
        int best = -1;
        for (int s = 0; s < SLOTS; s++) {
            double e = slotEps[i][s];
            if (Double.isNaN(e) || (below ? e > q : e < q)) {
                continue;
            }
            if (best < 0 || (below ? e > slotEps[i][best] : e < slotEps[i][best])) {
                best = s;
            }
        }
        return best;
    }

    /**
     * c(q) into slot {@code to} from the kept ends a ≤ q ≤ b (slots, −1 for none; both need c), when at most
     * {@link #sparseLimit} windows have r ≠ 0; false when it cannot.
     */
    private boolean interpolate(int i, double q, int a, int b, int to) {
        if (a < 0 || b < 0 || !slotHasC[i][a] || !slotHasC[i][b]) {
            return false;
        }
        double[] out = slotC[i][to];
        if (a == b) {
            System.arraycopy(slotC[i][a], 0, out, 0, outSize);
            return true;
        }
        double[] pa = slotP[i][a];
        double[] pb = slotP[i][b];
        double[] pq = slotP[i][to];
        double ea = slotEps[i][a];
        double t = (q - ea) / (slotEps[i][b] - ea);
        int changed = 0;
        int[] windows = new int[sparseLimit];
        double[] r = new double[sparseLimit];
        for (int w = 0; w < pooled; w++) {
            double chord = pa[w] + t * (pb[w] - pa[w]);
            double d = pq[w] - chord;
            if (Math.abs(d) > ZERO * (Math.abs(pa[w]) + Math.abs(pb[w]) + Math.abs(pq[w]))) {
                if (changed == sparseLimit) {
                    return false;
                }
                windows[changed] = w;
                r[changed++] = d;
            }
        }
        double[] ca = slotC[i][a];
        double[] cb = slotC[i][b];
        for (int j = 0; j < outSize; j++) {
            out[j] = ca[j] + t * (cb[j] - ca[j]);
        }
        int planeIn = pooledH * pooledW;
        int planeOut = outH * outW;
        int stride = second.stride();
        int pad = second.padding();
        for (int m = 0; m < changed; m++) {
            int w = windows[m];
            int ch = w / planeIn;
            int y = (w % planeIn) / pooledW;
            int x = w % pooledW;
            for (int kp = 0; kp < kh; kp++) {
                int oyS = y + pad - kp;                      // = oy · stride
                if (oyS < 0 || oyS % stride != 0 || oyS / stride >= outH) {
                    continue;
                }
                for (int kq = 0; kq < kw; kq++) {
                    int oxS = x + pad - kq;
                    if (oxS < 0 || oxS % stride != 0 || oxS / stride >= outW) {
                        continue;
                    }
                    int o = (oyS / stride) * outW + oxS / stride;
                    for (int k = 0; k < outChannels; k++) {
                        out[k * planeOut + o] += r[m] * kernel[((k * channels + ch) * kh + kp) * kw + kq];
                    }
                }
            }
        }
        return true;
    }

    /**
     * The second convolution's pre-activation of the listed samples in one call, padded to {@link #denseRows} samples:
     * enough that its product's M·N·K passes 100³, where OpenBLAS always takes its blocked kernel, whose rows do not
     * depend on their position or count ({@link Padding#BLOCK_ROWS}); one LeNet-5 sample is already past it.
     */
    private void convolveDense(int[] samples, double[] p, int[] target) {
        int rows = Math.max(samples.length, denseRows);
        double[] in = new double[rows * pooled];
        for (int j = 0; j < samples.length; j++) {
            System.arraycopy(p, samples[j] * pooled, in, j * pooled, pooled);
        }
        INDArray batch = Arrays2.fromDoubles(in, type, rows, pooledShape[1], pooledShape[2], pooledShape[3]);
        double[] z = Arrays2.toDoubles(second.preActivation(batch));
        for (int j = 0; j < samples.length; j++) {
            int i = samples[j];
            System.arraycopy(z, j * outSize, slotC[i][target[i]], 0, outSize);
        }
    }
}
