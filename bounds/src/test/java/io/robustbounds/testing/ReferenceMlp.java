package io.robustbounds.testing;

import io.robustbounds.linalg.Arrays2;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A plain-Java, double-precision reference for MLPs and linear classifiers (thesis ch. 3–4), independent
 * of ND4J and of the evaluation code: forward pass h_i = g_i(V_i h_{i−1} + c_i), logits W h_L + b, the
 * Jacobian of h_L by the chain rule J = D_L V_L ⋯ D_1 V_1 (D_i = diag g_i'(z_i)), finite-difference
 * versions of it, the cross-entropy input gradient of Algorithm 2.1, and a Jacobi eigenvalue routine for
 * exact spectral norms. Shared by the tests of this module and (through the test-jar) of later modules.
 */
public final class ReferenceMlp {
    private final int inputSize;
    private final double[][][] weights;
    private final double[][] biases;
    private final Activation[] activations;
    private final double[][] headWeight;
    private final double[] headBias;

    private ReferenceMlp(int inputSize, double[][][] weights, double[][] biases, Activation[] activations,
                         double[][] headWeight, double[] headBias) {
        this.inputSize = inputSize;
        this.weights = weights;
        this.biases = biases;
        this.activations = activations;
        this.headWeight = headWeight;
        this.headBias = headBias;
    }

    /** Copies the weights of an MLP (or linear classifier) model into Java arrays. */
    public static ReferenceMlp of(Model model) {
        List<DenseLayer> layers = model.denseLayers();
        int depth = layers.size();
        double[][][] w = new double[depth][][];
        double[][] c = new double[depth][];
        Activation[] g = new Activation[depth];
        for (int i = 0; i < depth; i++) {
            DenseLayer l = layers.get(i);
            w[i] = matrix(l.weight(), l.outputSize(), l.inputSize());
            c[i] = Arrays2.toDoubles(l.bias());
            g[i] = l.activation();
        }
        LinearHead h = model.head();
        return new ReferenceMlp((int) model.input().shape()[0], w, c, g,
                matrix(h.weight(), h.classes(), h.inputSize()), Arrays2.toDoubles(h.bias()));
    }

    private static double[][] matrix(INDArray a, int rows, int cols) {
        double[] flat = Arrays2.toDoubles(a);
        double[][] out = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }

    public int inputSize() {
        return inputSize;
    }

    public int depth() {
        return weights.length;
    }

    public int classes() {
        return headBias.length;
    }

    /** n of Theorem 4.2: the width of the last hidden layer (the input size when there is none). */
    public int featureSize() {
        return weights.length == 0 ? inputSize : weights[weights.length - 1].length;
    }

    public double[][] headWeight() {
        return copy(headWeight);
    }

    public double[] headBias() {
        return headBias.clone();
    }

    /** V_i as [out][in] (a copy). */
    public double[][] weight(int layer) {
        return copy(weights[layer]);
    }

    public Activation activation(int layer) {
        return activations[layer];
    }

    // ------------------------------------------------------------------ forward pass

    /** Pre-activations z_i = V_i h_{i−1} + c_i of every hidden layer. */
    public double[][] preActivations(double[] x) {
        double[][] z = new double[depth()][];
        double[] h = x;
        for (int i = 0; i < depth(); i++) {
            z[i] = affine(weights[i], biases[i], h);
            h = apply(activations[i], z[i]);
        }
        return z;
    }

    /** h_L(x), the input of the head (x itself for a linear classifier). */
    public double[] features(double[] x) {
        double[] h = x.clone();
        for (int i = 0; i < depth(); i++) {
            h = apply(activations[i], affine(weights[i], biases[i], h));
        }
        return h;
    }

    public double[] logits(double[] x) {
        return affine(headWeight, headBias, features(x));
    }

    /** The class f(x) = argmax of the logits (ties to the lowest index, as the code does). */
    public int predict(double[] x) {
        return argmax(logits(x));
    }

    /** f(x + ε s). */
    public int predictAlong(double[] x, double eps, double[] s) {
        double[] y = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            y[j] = x[j] + eps * s[j];
        }
        return predict(y);
    }

    // ------------------------------------------------------------------ derivatives

    /** The Jacobian of h_L at x by the chain rule, [n_L][d]: J = D_L V_L ⋯ D_1 V_1. */
    public double[][] jacobian(double[] x) {
        double[][] j = identity(inputSize);
        double[] h = x;
        for (int i = 0; i < depth(); i++) {
            double[] z = affine(weights[i], biases[i], h);
            double[][] next = multiply(weights[i], j);
            for (int r = 0; r < next.length; r++) {
                double d = activations[i].firstDerivative(z[r]);
                for (int k = 0; k < inputSize; k++) {
                    next[r][k] *= d;
                }
            }
            j = next;
            h = apply(activations[i], z);
        }
        return j;
    }

    /** The Jacobian of h_L by central differences with step {@code step}, [n_L][d]. */
    public double[][] jacobianByDifferences(double[] x, double step) {
        double[][] j = new double[featureSize()][inputSize];
        for (int k = 0; k < inputSize; k++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[k] += step;
            minus[k] -= step;
            double[] fp = features(plus);
            double[] fm = features(minus);
            double width = plus[k] - minus[k];
            for (int r = 0; r < fp.length; r++) {
                j[r][k] = (fp[r] - fm[r]) / width;
            }
        }
        return j;
    }

    /**
     * The Hessian of output {@code output} of h_L, [d][d], by central differences of the chain-rule
     * Jacobian (symmetrized).
     */
    public double[][] featureHessian(double[] x, int output, double step) {
        double[][] hess = new double[inputSize][inputSize];
        for (int k = 0; k < inputSize; k++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[k] += step;
            minus[k] -= step;
            double[] jp = jacobian(plus)[output];
            double[] jm = jacobian(minus)[output];
            double width = plus[k] - minus[k];
            for (int l = 0; l < inputSize; l++) {
                hess[l][k] = (jp[l] - jm[l]) / width;
            }
        }
        for (int k = 0; k < inputSize; k++) {
            for (int l = 0; l < k; l++) {
                double m = 0.5 * (hess[k][l] + hess[l][k]);
                hess[k][l] = m;
                hess[l][k] = m;
            }
        }
        return hess;
    }

    /** Cross-entropy −log softmax(logits(x))_c, computed as logsumexp(L) − L_c. */
    public double crossEntropy(double[] x, int c) {
        double[] l = logits(x);
        double max = Arrays.stream(l).max().orElseThrow();
        double sum = 0;
        for (double v : l) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum) - l[c];
    }

    /**
     * ∇ₓ CE(softmax(logits(x)), c) by back-propagation: (p − e_c) through the head and every layer. p − e_c
     * is formed as p_j (j ≠ c) and −Σ_{j≠c} p_j at c, which is the same number without cancellation.
     */
    public double[] crossEntropyGradient(double[] x, int c) {
        double[][] z = preActivations(x);
        double[] l = logits(x);
        double max = Arrays.stream(l).max().orElseThrow();
        double sum = 0;
        double[] e = new double[l.length];
        for (int j = 0; j < l.length; j++) {
            e[j] = Math.exp(l[j] - max);
            sum += e[j];
        }
        double[] r = new double[l.length];
        double others = 0;
        for (int j = 0; j < l.length; j++) {
            if (j != c) {
                r[j] = e[j] / sum;
                others += r[j];
            }
        }
        r[c] = -others;
        double[] g = transposeTimes(headWeight, r);
        for (int i = depth() - 1; i >= 0; i--) {
            for (int k = 0; k < g.length; k++) {
                g[k] *= activations[i].firstDerivative(z[i][k]);
            }
            g = transposeTimes(weights[i], g);
        }
        return g;
    }

    // ------------------------------------------------------------------ model factories

    /** A linear classifier (no hidden layers) on R^d with head W [C][d], b [C]; inputs declared in [−1, 1]. */
    public static Model linearModel(String name, double[][] w, double[] b) {
        return mlpModel(name, new double[0][][], new double[0][], new Activation[0], w, b);
    }

    /** An MLP from Java arrays: V_i as [out][in], biases, activations, head W [C][n_L], b [C]. */
    public static Model mlpModel(String name, double[][][] weights, double[][] biases, Activation[] activations,
                                 double[][] headWeight, double[] headBias) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            List<Layer> layers = new ArrayList<>();
            int d = weights.length == 0 ? headWeight[0].length : weights[0][0].length;
            for (int i = 0; i < weights.length; i++) {
                layers.add(new DenseLayer(Nd4j.createFromArray(weights[i]).castTo(DataType.DOUBLE),
                        Nd4j.createFromArray(biases[i]).castTo(DataType.DOUBLE), activations[i]));
            }
            LinearHead head = new LinearHead(Nd4j.createFromArray(headWeight).castTo(DataType.DOUBLE),
                    Nd4j.createFromArray(headBias).castTo(DataType.DOUBLE));
            return new Model(name, new InputSpec(new long[] {d}, -1, 1), layers, head, List.of(), Map.of());
        }
    }

    // ------------------------------------------------------------------ small dense linear algebra

    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    public static double[] apply(Activation g, double[] z) {
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = g.value(z[i]);
        }
        return out;
    }

    /** V x + c. */
    public static double[] affine(double[][] v, double[] c, double[] x) {
        double[] out = new double[v.length];
        for (int r = 0; r < v.length; r++) {
            double s = c[r];
            for (int k = 0; k < x.length; k++) {
                s += v[r][k] * x[k];
            }
            out[r] = s;
        }
        return out;
    }

    /** Vᵀ y. */
    public static double[] transposeTimes(double[][] v, double[] y) {
        double[] out = new double[v[0].length];
        for (int r = 0; r < v.length; r++) {
            for (int k = 0; k < out.length; k++) {
                out[k] += v[r][k] * y[r];
            }
        }
        return out;
    }

    public static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        int inner = b.length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < inner; k++) {
                double aik = a[i][k];
                for (int j = 0; j < m; j++) {
                    out[i][j] += aik * b[k][j];
                }
            }
        }
        return out;
    }

    public static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    public static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        return id;
    }

    public static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    public static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    public static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] row : a) {
            for (double x : row) {
                m = Math.max(m, Math.abs(x));
            }
        }
        return m;
    }

    /** Eigenvalues (descending) and unit eigenvectors (columns of {@code vectors}, same order) of a symmetric matrix. */
    public record Eigen(double[] values, double[][] vectors) {
    }

    /**
     * The symmetric eigenproblem by cyclic Jacobi rotations (Golub & Van Loan, §8.5): sweeps until the
     * off-diagonal Frobenius norm is below 1e-16 of the whole, so every eigenvalue is within about
     * 1e-16·‖A‖_F of the exact one (Weyl).
     */
    public static Eigen symmetricEigen(double[][] matrix) {
        int n = matrix.length;
        double[][] a = copy(matrix);
        double[][] v = identity(n);
        double total = 0;
        for (double[] row : a) {
            for (double x : row) {
                total += x * x;
            }
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += 2 * a[p][q] * a[p][q];
                }
            }
            if (off <= 1e-32 * total) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double tau = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.abs(tau) > 1e150 ? 1 / (2 * tau)
                            : (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {          // A ← A J (columns p, q)
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {          // A ← Jᵀ A (rows p, q)
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    a[p][q] = 0;
                    a[q][p] = 0;
                    for (int k = 0; k < n; k++) {          // V ← V J
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double[][] diag = a;
        Arrays.sort(order, (x, y) -> Double.compare(diag[y][y], diag[x][x]));
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int i = 0; i < n; i++) {
            values[i] = a[order[i]][order[i]];
            for (int k = 0; k < n; k++) {
                vectors[k][i] = v[k][order[i]];
            }
        }
        return new Eigen(values, vectors);
    }

    /** The largest singular value of a [rows][cols] matrix: √λ_max of the smaller Gram matrix, by Jacobi. */
    public static double spectralNorm(double[][] m) {
        double[][] gram = m.length <= m[0].length ? multiply(m, transpose(m)) : multiply(transpose(m), m);
        return Math.sqrt(Math.max(0, symmetricEigen(gram).values()[0]));
    }
}
