package io.robustbounds.certified;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Branch and bound on unstable ReLUs for the certified check at a given ε (docs/certified-mode.md, "Branch and bound
 * on unstable ReLUs"). A subdomain of the ball B is B ∩ {x : z_i(x) ≥ 0} (unit i fixed active) or B ∩ {x : z_i(x) ≤ 0}
 * (fixed inactive) for each of its splits; splitting one subdomain on one unit gives two that cover it, so the leaves
 * always cover B. Each leaf is one full {@link Propagation} whose bounds of a split unit's input are intersected with
 * [0, ∞) resp. (−∞, 0] right after CROWN's ({@link Splits#apply}): every bound of that pass then holds on the leaf
 * (the bounds below the split hold on all of B, the split's by definition, and everything above is derived from
 * them), the split unit's relaxation is exact (identity resp. 0), and the units above get tighter bounds. A leaf whose
 * bounds cross (lower > upper somewhere) is empty. The split constraints also enter every bound row as beta-CROWN's
 * Lagrange multipliers (Wang et al., NeurIPS 2021): λ·relu(z) ≥ (λ − β)z where z ≥ 0 on the leaf, ≥ βz where z ≤ 0,
 * for any β ≥ 0 ({@code BackSubstitution}), optimized with the slopes ({@link AlphaCrown}). A leaf's margins hold with
 * A − ε'B for every ε' ≤ ε (the propagation's radius argument, on the leaf), so min over leaves of min(ε, A/B) is a
 * proven radius of B.
 *
 * <p>Per ε: every sample's root (no split) is propagated; then while the sample has leaves whose radius is below ε and
 * fewer than {@code maxSubdomains} leaves, its lowest such leaves are split on the unstable unit with the largest score
 * |λ_i|·u_i(−l_i)/(u_i − l_i) (λ: the coefficient of the unit's output in the leaf's worst margin row under CROWN's
 * lines; the fraction: the upper line's intercept, the relaxation's height — BaBSR's idea, Bunel et al., JMLR 2020).
 * All children of all samples go through the propagation in one batched call per round, chunked by the memory
 * budget; a leaf's result depends only on its own splits, so radii do not depend on the batch or the budget.
 */
final class BranchAndBound {
    private final CrownNetwork net;
    private final int maxSubdomains;

    BranchAndBound(CrownNetwork net, int maxSubdomains) {
        this.net = net;
        this.maxSubdomains = maxSubdomains;
    }

    /**
     * The splits of a batch of subdomains (one per sample of a {@link Propagation}), flat (stage, unit, active: 1 or
     * 0) triples per sample; {@link #empty} is set for those whose bounds crossed.
     */
    static final class Splits {
        private final int[][] splits;
        final boolean[] empty;

        Splits(int[][] splits) {
            this.splits = splits;
            this.empty = new boolean[splits.length];
        }

        /** Whether some subdomain has a split at a stage below {@code top}. */
        boolean below(int top) {
            for (int[] sp : splits) {
                for (int k = 0; k < sp.length; k += 3) {
                    if (sp[k] < top) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Whether subdomain n has a split at (stage, unit). */
        boolean has(int n, int stage, int unit) {
            int[] sp = splits[n];
            for (int k = 0; k < sp.length; k += 3) {
                if (sp[k] == stage && sp[k + 1] == unit) {
                    return true;
                }
            }
            return false;
        }

        /**
         * After CROWN's bounds of stage s's input: a split unit's lower bound raised to 0 (active) or its upper bound
         * lowered to 0 (inactive) — the subdomain's definition; a unit whose bounds now cross marks the subdomain
         * empty (proven bounds of a value on a nonempty set cannot cross), and its upper bound is set to its lower
         * one so the pass stays finite (any result of an empty subdomain is vacuously true; {@link #certify} reports ε).
         */
        void apply(Propagation pass, int s) {
            int size = pass.stages.get(s).in;
            double[] lo = pass.lower[s];
            double[] hi = pass.upper[s];
            for (int n = 0; n < splits.length; n++) {
                int[] sp = splits[n];
                for (int k = 0; k < sp.length; k += 3) {
                    if (sp[k] == s) {
                        int at = n * size + sp[k + 1];
                        if (sp[k + 2] == 1) {
                            lo[at] = Math.max(lo[at], 0);
                        } else {
                            hi[at] = Math.min(hi[at], 0);
                        }
                    }
                }
                for (int at = n * size; at < (n + 1) * size; at++) {
                    if (lo[at] > hi[at]) {
                        empty[n] = true;
                        hi[at] = lo[at];
                    }
                }
            }
        }
    }

    /** One subdomain of a sample: its splits, its propagation's radius (≤ ε) and estimate, and its unit to split next. */
    private static final class Leaf {
        final int sample;
        final int[] splits;
        double radius;
        double estimate;
        /** (stage, unit) of the best-scoring unstable ReLU, stage −1 when none is left. */
        int splitStage = -1;
        int splitUnit;

        Leaf(int sample, int[] splits) {
            this.sample = sample;
            this.splits = splits;
        }

        Leaf child(int stage, int unit, boolean active) {
            int[] s = Arrays.copyOf(splits, splits.length + 3);
            s[splits.length] = stage;
            s[splits.length + 1] = unit;
            s[splits.length + 2] = active ? 1 : 0;
            return new Leaf(sample, s);
        }
    }

    /**
     * Per sample {radius, estimate}: the largest over the rounds of min over the leaves of min(ε, A/B) (proven, ≤ ε),
     * and as the estimate where the ball is certified +∞ (branching may reach further than any one propagation says)
     * or, when the root has no unstable ReLU to split, the root's estimate (as without branching).
     */
    double[][] certify(double[] x, int n, int[] cls, double[] eps, long batchMemory) {
        List<List<Leaf>> leaves = new ArrayList<>();
        List<Leaf> round = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Leaf root = new Leaf(k, new int[0]);
            leaves.add(new ArrayList<>(List.of(root)));
            round.add(root);
        }
        double[] radius = new double[n];
        boolean[] done = new boolean[n];
        double[] estimate = new double[n];
        boolean first = true;
        while (!round.isEmpty()) {
            propagate(round, x, cls, eps, batchMemory);
            if (first) {
                first = false;
                for (int k = 0; k < n; k++) {
                    Leaf root = leaves.get(k).get(0);
                    estimate[k] = root.splitStage < 0 ? root.estimate : Double.POSITIVE_INFINITY;
                }
            }
            round = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                if (done[k]) {
                    continue;
                }
                List<Leaf> mine = leaves.get(k);
                double r = eps[k];
                for (Leaf l : mine) {
                    r = Math.min(r, l.radius);
                }
                radius[k] = Math.max(radius[k], r);          // every round's leaves cover the ball
                List<Leaf> open = new ArrayList<>();
                double stuck = Double.POSITIVE_INFINITY;    // the lowest open leaf with nothing left to split
                for (Leaf l : mine) {
                    if (l.radius < eps[k]) {
                        if (l.splitStage < 0) {
                            stuck = Math.min(stuck, l.radius);
                        } else {
                            open.add(l);
                        }
                    }
                }
                double floor = stuck;
                open.removeIf(l -> l.radius >= floor);       // splitting them cannot raise the minimum
                open.sort(Comparator.comparingDouble((Leaf l) -> l.radius));
                int room = Math.min(open.size(), maxSubdomains - mine.size());
                if (room <= 0) {
                    done[k] = true;
                    continue;
                }
                for (Leaf l : open.subList(0, room)) {
                    mine.remove(l);
                    for (boolean active : new boolean[] {true, false}) {
                        Leaf c = l.child(l.splitStage, l.splitUnit, active);
                        mine.add(c);
                        round.add(c);
                    }
                }
            }
        }
        for (int k = 0; k < n; k++) {
            if (radius[k] < eps[k]) {
                estimate[k] = radius[k];
            }
        }
        return new double[][] {radius, estimate};
    }

    /** The search's propagations, each one {@link #certify} (nothing is kept between them). */
    LinearBoundNetwork.Session session(double[] x, int[] cls, long batchMemory) {
        int d = net.inputSize();
        return (samples, eps) -> {
            double[][] r = certify(LinearBoundNetwork.rowsOf(x, d, samples), samples.length, io.robustbounds.linalg.Arrays2.pick(cls, samples), eps,
                    batchMemory);
            return new LinearBoundNetwork.Step(r[0], r[1]);
        };
    }

    /** Propagates the leaves in chunks of the memory budget, setting each one's radius, estimate and unit to split. */
    private void propagate(List<Leaf> round, double[] x, int[] cls, double[] eps, long batchMemory) {
        int d = net.inputSize();
        int chunk = (int) Math.max(1, Math.min(round.size(), batchMemory / net.bytesPerSample()));
        for (int from = 0; from < round.size(); from += chunk) {
            List<Leaf> part = round.subList(from, Math.min(round.size(), from + chunk));
            int count = part.size();
            double[] xs = new double[count * d];
            int[] cs = new int[count];
            double[] es = new double[count];
            int[][] sp = new int[count][];
            for (int j = 0; j < count; j++) {
                Leaf l = part.get(j);
                System.arraycopy(x, l.sample * d, xs, j * d, d);
                cs[j] = cls[l.sample];
                es[j] = eps[l.sample];
                sp[j] = l.splits;
            }
            Propagation pass = new Propagation(net, xs, count, cs, es, null);
            pass.splits = new Splits(sp);
            double[][] r = pass.radii();
            int[][] next = nextSplit(pass);
            for (int j = 0; j < count; j++) {
                Leaf l = part.get(j);
                boolean empty = pass.splits.empty[j];
                l.radius = empty ? es[j] : r[0][j];
                l.estimate = empty ? Double.POSITIVE_INFINITY : r[1][j];
                l.splitStage = empty ? -1 : next[j][0];
                l.splitUnit = next[j][1];
            }
        }
    }

    /**
     * Per sample of a finished pass the unstable ReLU (stage, unit) with the largest |λ|·u(−l)/(u − l), λ from the
     * margin row with the lowest bound at ε under CROWN's adaptive lines (one extra back-substitution of the margin
     * rows, no rounding slack needed: a heuristic); ties and λ = 0 fall back to the largest u(−l)/(u − l).
     * Stage −1: no unstable ReLU.
     */
    private int[][] nextSplit(Propagation pass) {
        int samples = pass.samples;
        int depth = pass.depth;
        int in = net.head.in;
        int rows = net.classes() - 1;
        double[] hw = net.head.weight.values;
        double[] lam = new double[samples * rows * in];
        double[] beta = new double[samples * rows];
        for (int n = 0; n < samples; n++) {
            int c = pass.cls[n];
            int r = 0;
            for (int j = 0; j < net.classes(); j++) {
                if (j == c) {
                    continue;
                }
                int row = n * rows + r++;
                for (int i = 0; i < in; i++) {
                    lam[row * in + i] = hw[c * in + i] - hw[j * in + i];
                }
                beta[row] = net.head.b[c] - net.head.b[j];
            }
        }
        double[][] record = new double[depth][];
        double[][] ab = new BackSubstitution(pass).run(depth, lam, rows, beta, new double[samples * rows], CrownNetwork.Slope.ADAPTIVE,
                null, record);
        int[][] out = new int[samples][];
        for (int n = 0; n < samples; n++) {
            int worst = n * rows;
            double lowest = Double.POSITIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                int row = n * rows + r;
                double bound = ab[0][row] - pass.eps[n] * ab[2][row];
                if (bound < lowest) {
                    lowest = bound;
                    worst = row;
                }
            }
            int bestStage = -1;
            int bestUnit = 0;
            double bestScore = -1;
            double bestHeight = -1;
            for (int s = 0; s < depth; s++) {
                if (!ActivationStage.isRelu(pass.stages.get(s)) || record[s] == null) {
                    continue;
                }
                int w = pass.stages.get(s).in;
                for (int i = 0; i < w; i++) {
                    double l = pass.lower[s][n * w + i];
                    double u = pass.upper[s][n * w + i];
                    if (!(l < 0 && u > 0)) {
                        continue;
                    }
                    double height = u * -l / (u - l);
                    double score = Math.abs(record[s][worst * w + i]) * height;
                    if (score > bestScore || score == bestScore && height > bestHeight) {
                        bestScore = score;
                        bestHeight = height;
                        bestStage = s;
                        bestUnit = i;
                    }
                }
            }
            out[n] = new int[] {bestStage, bestUnit};
        }
        return out;
    }
}
