package io.robustbounds.eval;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.SymmetricTridiagonal;
import io.robustbounds.linalg.Workspaces;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * ‖J‖, the spectral norm of the Jacobian of h_L at each sample (Theorem 4.2), matrix-free and batched:
 * Lanczos on K = J Jᵀ (dimension n_L), each step one product through the network and back
 * ({@link DenseStack#jacobianGram}); neither J nor an SVD is ever formed.
 *
 * <p>Why not plain power iteration: it approaches ‖J‖ from below, and a low ‖J‖ inflates the bound.
 * Lanczos converges in far fewer passes and gives a residual: for the largest Ritz pair (θ, y),
 * r = ‖K y − θ y‖ = |β_j s_j| and an eigenvalue of K lies in [θ − r, θ + r]. A sample stops when
 * r ≤ τ·θ; the bound then uses √(θ + r), which is not below that eigenvalue and exceeds √θ by a factor of
 * at most √(1 + τ). When n_L ≤ {@value #EXACT_DIMENSION} the Krylov space is exhausted after n_L steps and
 * the result is exact up to rounding, so no intermediate checks are made and the final θ is used alone:
 * at that step |β s| is no residual (β is 0 in exact arithmetic), and once θ has converged the
 * unreorthogonalized vectors lose orthogonality, β is far from 0 and |β s| can be large while θ stays
 * accurate (seen in FLOAT: √(θ + |β s|) 1.9e-4 above ‖J‖ at τ = 1e-4 on random 20-10-10-10 tanh nets).
 * For a single model, samples that have converged are dropped from the batch (compaction), so the slowest
 * samples do not keep the rest busy.
 */
final class JacobianNorm {
    static final int EXACT_DIMENSION = 16;
    private static final int CHECK_EVERY = 2;
    /** Compact when at most this fraction of the current rows is still running. */
    private static final double COMPACT_BELOW = 0.8;

    /** Per sample: √(θ + r) (used by the bound) and √θ (the estimate); steps used and samples not converged. */
    record Result(double[] upper, double[] estimate, int steps, int unconverged) {
    }

    private JacobianNorm() {
    }

    static Result compute(DenseStack net, DenseStack.Forward f, double tolerance, int maxSteps) {
        int dim = net.featureSize();
        if (dim <= EXACT_DIMENSION && maxSteps >= dim && FloatLanczos.applies(net)) {
            return FloatLanczos.compute(net, f);
        }
        return withNd4j(net, f, tolerance, maxSteps);
    }

    /** {@link #compute} in ND4J ops, whatever the stack. */
    static Result withNd4j(DenseStack net, DenseStack.Forward f, double tolerance, int maxSteps) {
        int dim = net.featureSize();
        int count = net.models * f.samplesPerModel;
        int steps = Math.min(dim, maxSteps);
        boolean exhaust = dim <= EXACT_DIMENSION && steps == dim;
        boolean compactable = net.models == 1 && !exhaust;
        int floor = Math.max(Padding.BLOCK_ROWS, net.blockedKernelRows());
        double breakdown = net.dataType == DataType.FLOAT ? 1e-5 : 1e-12;

        double[][] alpha = new double[steps][count];
        double[][] beta = new double[steps][count];
        double[] theta = new double[count];
        double[] residual = new double[count];
        boolean[] done = new boolean[count];
        double[] scale = new double[count];
        int remaining = count;

        // rows of the working arrays → sample index; all samples at first
        int[] active = new int[count];
        for (int i = 0; i < count; i++) {
            active[i] = i;
        }
        int rowsPerModel = f.samplesPerModel;
        INDArray[] slope = f.slope.clone();
        if (compactable) { // compaction rewrites these in place; the forward pass keeps its own
            for (int l = 0; l < slope.length; l++) {
                slope[l] = slope[l].dup();
            }
        }
        INDArray q = startVectors(net, rowsPerModel, dim);
        INDArray qPrev = Nd4j.zerosLike(q);
        double[] pair = new double[2];
        double[] a = new double[steps];
        double[] b = new double[steps];
        int used = 0;
        for (int j = 0; j < steps && remaining > 0; j++) {
            used = j + 1;
            try (MemoryWorkspace ignored = Workspaces.step(0)) {
                int rows = active.length;
                INDArray w = net.jacobianGram(slope, q);
                double[] alphaRows = Arrays2.toDoubles(w.mul(q).sum(2));
                w.subi(q.mul(net.perSample(alphaRows, rowsPerModel)));
                if (j > 0) {
                    double[] previous = new double[rows];
                    for (int r = 0; r < rows; r++) {
                        previous[r] = beta[j - 1][active[r]];
                    }
                    w.subi(qPrev.mul(net.perSample(previous, rowsPerModel)));
                }
                double[] betaRows = Arrays2.toDoubles(w.norm2(2));
                boolean last = j == steps - 1;
                boolean check = last || (!exhaust && (j + 1) >= 4 && (j + 1) % CHECK_EVERY == 0);
                double[] inverse = new double[rows];
                int running = 0;
                for (int r = 0; r < rows; r++) {
                    int i = active[r];
                    alpha[j][i] = alphaRows[r];
                    beta[j][i] = betaRows[r];
                    if (done[i]) {
                        continue;
                    }
                    scale[i] = Math.max(scale[i], Math.abs(alpha[j][i]));
                    boolean brokeDown = beta[j][i] <= breakdown * scale[i];
                    if (brokeDown || check) {
                        for (int k = 0; k <= j; k++) {
                            a[k] = alpha[k][i];
                            b[k] = beta[k][i];
                        }
                        SymmetricTridiagonal.largestEigenpair(a, b, j + 1, pair);
                        // exhausted Krylov space: θ is exact up to rounding, and |β s| is not a residual
                        // any more (see the class comment), so it is not added
                        double res = brokeDown || (exhaust && last) ? 0 : Math.abs(beta[j][i] * pair[1]);
                        if (brokeDown || last || res <= tolerance * pair[0]) {
                            theta[i] = Math.max(pair[0], 0);
                            residual[i] = res;
                            done[i] = true;
                            remaining--;
                            continue;
                        }
                    }
                    inverse[r] = 1.0 / beta[j][i];
                    running++;
                }
                if (remaining == 0) {
                    break;
                }
                INDArray next = w.muli(net.perSample(inverse, rowsPerModel));
                int keepCount = Math.max(running, Math.min(rows, floor));
                if (compactable && check && running <= COMPACT_BELOW * rows && keepCount < rows) {
                    // converged rows fill the batch up to the floor, so every product stays in OpenBLAS's blocked
                    // kernel, where a row's result does not depend on the row count (see Padding.BLOCK_ROWS); their q
                    // is 0 from here on
                    int[] keep = new int[keepCount];
                    int[] kept = new int[keepCount];
                    int padding = keepCount - running;
                    for (int r = 0, k = 0; r < rows && k < keepCount; r++) {
                        boolean pad = done[active[r]] && padding > 0;
                        if (!done[active[r]] || pad) {
                            padding -= pad ? 1 : 0;
                            keep[k] = r;
                            kept[k++] = active[r];
                        }
                    }
                    INDArray nextRows = rowsOf(next, keep); // gather everything before any buffer is overwritten
                    INDArray currentRows = rowsOf(q, keep);
                    qPrev = intoPrefix(qPrev, currentRows);
                    q = intoPrefix(q, nextRows);
                    for (int l = 0; l < slope.length; l++) {
                        slope[l] = intoPrefix(slope[l], rowsOf(slope[l], keep));
                    }
                    active = kept;
                    rowsPerModel = keepCount;
                } else {
                    qPrev.assign(q);
                    q.assign(next);
                }
            }
        }
        double[] upper = new double[count];
        double[] estimate = new double[count];
        int unconverged = 0;
        for (int i = 0; i < count; i++) {
            upper[i] = Math.sqrt(theta[i] + residual[i]);
            estimate[i] = Math.sqrt(theta[i]);
            if (residual[i] > tolerance * theta[i] && !(exhaust && used == dim)) {
                unconverged++;
            }
        }
        return new Result(upper, estimate, used, unconverged);
    }

    /** Rows {@code keep} of a single model's [1, N, k] array, as a new [1, |keep|, k] array. */
    private static INDArray rowsOf(INDArray a, int[] keep) {
        return Nd4j.pullRows(a.reshape(a.size(1), a.size(2)), 1, keep).reshape(1, keep.length, a.size(2));
    }

    /**
     * Writes {@code rows} to the first rows of {@code buffer} (in the batch workspace) and returns that
     * prefix as a view: compaction reuses the existing buffers, so the batch workspace keeps its size.
     */
    private static INDArray intoPrefix(INDArray buffer, INDArray rows) {
        INDArray prefix = buffer.get(NDArrayIndex.all(), NDArrayIndex.interval(0, rows.size(1)), NDArrayIndex.all());
        return prefix.assign(rows);
    }

    /** The same fixed unit vector for every sample (a Weyl sequence, so it is unlikely to be orthogonal to any eigenvector). */
    private static INDArray startVectors(DenseStack net, int samplesPerModel, int dim) {
        double[] v = startVector(dim);
        int count = net.models * samplesPerModel;
        double[] all = new double[count * dim];
        for (int i = 0; i < count; i++) {
            System.arraycopy(v, 0, all, i * dim, dim);
        }
        return Arrays2.fromDoubles(all, net.dataType, net.models, samplesPerModel, dim);
    }

    /** The start vector of {@link #startVectors}: unit, entries 0.5 + frac((k + 1)·φ⁻¹). */
    static double[] startVector(int dim) {
        double[] v = new double[dim];
        double norm = 0;
        for (int k = 0; k < dim; k++) {
            double frac = ((k + 1) * 0.6180339887498949) % 1.0;
            v[k] = 0.5 + frac;
            norm += v[k] * v[k];
        }
        norm = Math.sqrt(norm);
        for (int k = 0; k < dim; k++) {
            v[k] /= norm;
        }
        return v;
    }

    /**
     * A certified upper bound on ‖J‖ per sample for small n_L: K = J Jᵀ formed column by column (n_L products K e_j
     * through the network; no start vector, so no eigenvector can be missed). A candidate t ≥ ‖J‖² (the Lanczos
     * estimate, slightly raised) is certified when t·I − K has a Cholesky factorization (then every eigenvalue of K
     * is below t); otherwise K's largest eigenvalue is computed in double (sound mode).
     */
    static double[] exactByGram(DenseStack net, DenseStack.Forward f, double[] candidate) {
        int dim = net.featureSize();
        int count = net.models * f.samplesPerModel;
        double[][] k = new double[count][dim * dim];
        for (int j = 0; j < dim; j++) {
            try (MemoryWorkspace ignored = Workspaces.step(2)) {
                double[] e = new double[count * dim];
                for (int i = 0; i < count; i++) {
                    e[i * dim + j] = 1;
                }
                double[] col = Arrays2.toDoubles(net.jacobianGram(f.slope, Arrays2.fromDoubles(e, net.dataType, net.models, f.samplesPerModel, dim)));
                for (int i = 0; i < count; i++) {
                    for (int r = 0; r < dim; r++) {
                        k[i][r * dim + j] = col[i * dim + r];
                    }
                }
            }
        }
        double[] out = new double[count];
        double[][] m = new double[dim][dim];
        for (int i = 0; i < count; i++) {
            for (int r = 0; r < dim; r++) {
                for (int c = 0; c < dim; c++) {
                    m[r][c] = 0.5 * (k[i][r * dim + c] + k[i][c * dim + r]);
                }
            }
            double t = candidate == null ? Double.NaN : candidate[i] * candidate[i] * (1 + 1e-6);
            out[i] = t > 0 && positiveDefinite(m, t) ? Math.sqrt(t)
                    : Math.sqrt(Math.max(0, io.robustbounds.bounds.SoundBounds.largestEigenvalue(m)));
        }
        return out;
    }

    /** Whether t·I − m is positive definite: its Cholesky factorization exists (computed in place on a copy, double). */
    static boolean positiveDefinite(double[][] m, double t) {
        int n = m.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = (i == j ? t : 0) - m[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        return false;
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return true;
    }
}
