package io.robustbounds.eval;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.SymmetricTridiagonal;
import io.robustbounds.linalg.Workspaces;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
 * the result is exact up to rounding, so no intermediate checks are made.
 */
final class JacobianNorm {
    static final int EXACT_DIMENSION = 16;
    private static final int CHECK_EVERY = 4;

    /** Per sample: √(θ + r) (used by the bound) and √θ (the estimate); steps used and samples not converged. */
    record Result(double[] upper, double[] estimate, int steps, int unconverged) {
    }

    private JacobianNorm() {
    }

    static Result compute(DenseStack net, DenseStack.Forward f, double tolerance, int maxSteps) {
        int dim = net.featureSize();
        int count = net.models * f.samplesPerModel;
        int steps = Math.min(dim, maxSteps);
        boolean exhaust = dim <= EXACT_DIMENSION && steps == dim;
        double breakdown = net.dataType == DataType.FLOAT ? 1e-5 : 1e-12;

        double[][] alpha = new double[steps][];
        double[][] beta = new double[steps][];
        double[] theta = new double[count];
        double[] residual = new double[count];
        boolean[] done = new boolean[count];
        double[] scale = new double[count];
        int remaining = count;

        INDArray q = startVectors(net, f.samplesPerModel, dim);
        INDArray qPrev = Nd4j.zerosLike(q);
        double[] pair = new double[2];
        double[] a = new double[steps];
        double[] b = new double[steps];
        int used = 0;
        for (int j = 0; j < steps && remaining > 0; j++) {
            used = j + 1;
            try (MemoryWorkspace ignored = Workspaces.step(0)) {
                INDArray w = net.jacobianGram(f, q);
                alpha[j] = Arrays2.toDoubles(w.mul(q).sum(2));
                w.subi(q.mul(net.perSample(alpha[j], f.samplesPerModel)));
                if (j > 0) {
                    w.subi(qPrev.mul(net.perSample(beta[j - 1], f.samplesPerModel)));
                }
                beta[j] = Arrays2.toDoubles(w.norm2(2));
                boolean last = j == steps - 1;
                boolean check = last || (!exhaust && (j + 1) % CHECK_EVERY == 0);
                double[] inverse = new double[count];
                for (int i = 0; i < count; i++) {
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
                        double r = brokeDown ? 0 : Math.abs(beta[j][i] * pair[1]);
                        if (brokeDown || last || r <= tolerance * pair[0]) {
                            theta[i] = Math.max(pair[0], 0);
                            residual[i] = r;
                            done[i] = true;
                            remaining--;
                            continue;
                        }
                    }
                    inverse[i] = 1.0 / beta[j][i];
                }
                if (remaining > 0) {
                    INDArray next = w.muli(net.perSample(inverse, f.samplesPerModel));
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

    /** The same fixed unit vector for every sample (a Weyl sequence, so it is unlikely to be orthogonal to any eigenvector). */
    private static INDArray startVectors(DenseStack net, int samplesPerModel, int dim) {
        double[] v = new double[dim];
        double norm = 0;
        for (int k = 0; k < dim; k++) {
            double frac = ((k + 1) * 0.6180339887498949) % 1.0;
            v[k] = 0.5 + frac;
            norm += v[k] * v[k];
        }
        norm = Math.sqrt(norm);
        int count = net.models * samplesPerModel;
        double[] all = new double[count * dim];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < dim; k++) {
                all[i * dim + k] = v[k] / norm;
            }
        }
        return Arrays2.fromDoubles(all, net.dataType, net.models, samplesPerModel, dim);
    }
}
