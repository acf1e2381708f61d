package io.robustbounds.certified;

import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * scripts/bench-certified --gap: how loose a propagation's intermediate bounds are, per relaxed stage's input of
 * LeNet-5 at one image and ε (docs/certified-mode.md, "Not done yet"). For each unit, projected gradient ascent
 * and descent inside the ball (the gradient by back-substitution through the network's exact lines at the current
 * point) finds values the unit really takes; their range is a lower end of its true range, to hold against the
 * CROWN bounds' width. With --oracle, the propagation runs again with the PGD ranges (widened by 10 %) in place of
 * that value's bounds: the radius a tighter relaxation of the stages below could reach at most, for this value
 * alone. Neither is proven: this is a diagnosis, not a certificate.
 *
 * <p>Arguments: {@code MODEL_DIR IDX_IMAGES IMAGE EPS [--units N] [--steps N] [--value S] [--oracle]}: at most N units
 * per value (the first ones; default all), N steps of PGD (default 8), only value S (the input of stage S; default
 * every relaxed stage's).
 */
public final class BoundGap {
    private BoundGap() {
    }

    public static void main(String[] args) throws IOException {
        Model model = ModelFormat.read(Path.of(args[0]));
        int image = Integer.parseInt(args[2]);
        double eps = Double.parseDouble(args[3]);
        int limit = Integer.parseInt(option(args, "--units", String.valueOf(Integer.MAX_VALUE)));
        int steps = Integer.parseInt(option(args, "--steps", "8"));
        int only = Integer.parseInt(option(args, "--value", "-1"));
        boolean oracle = Arrays.asList(args).contains("--oracle");
        CrownNetwork net = ((CrownNetwork) Certified.of(model)).withCrownRowLimit(Integer.MAX_VALUE).withAlphaSteps(0, 0);
        int d = net.inputSize();
        double[] x0 = Arrays.copyOfRange(CertifiedBench.mnist(Path.of(args[1]), image + 1), image * d, (image + 1) * d);
        int[] cls = net.predict(x0, 1);
        Propagation crown = new Propagation(net, x0, 1, cls, new double[] {eps}, null);
        double[][] r = crown.radii();
        System.out.printf(Locale.ROOT, "{\"image\": %d, \"eps\": %s, \"radius\": %.6g, \"estimate\": %.6g}%n", image, eps, r[0][0], r[1][0]);
        for (int s = 1; s < net.stages.size(); s++) {
            if (net.stages.get(s) instanceof LinearStage || s == 1 && net.firstRowNorm != null || only >= 0 && s != only) {
                continue;                                   // no relaxed stage above, or exact bounds
            }
            int size = net.stages.get(s).in;
            int units = Math.min(size, limit);
            double[][] range = ranges(net, x0, cls[0], eps, s, units, steps);
            double crownWidth = 0;
            double pgdWidth = 0;
            int crownUnstable = 0;
            int pgdUnstable = 0;
            int outside = 0;
            double[] ratio = new double[units];
            for (int u = 0; u < units; u++) {
                double l = crown.lower[s][u];
                double h = crown.upper[s][u];
                crownWidth += h - l;
                pgdWidth += range[1][u] - range[0][u];
                ratio[u] = (range[1][u] - range[0][u]) / (h - l);
                crownUnstable += l < 0 && h > 0 ? 1 : 0;
                pgdUnstable += range[0][u] < 0 && range[1][u] > 0 ? 1 : 0;
                outside += range[0][u] < l || range[1][u] > h ? 1 : 0;    // a bound a real point passes: a bug
            }
            Arrays.sort(ratio);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "{\"value\": %d, \"stage\": \"%s\", \"units\": %d, \"mean_width_crown\": %.4g, \"mean_width_pgd\": %.4g, "
                            + "\"median_pgd_over_crown\": %.3f, \"unstable_crown\": %d, \"unstable_pgd\": %d, \"pgd_outside_bounds\": %d",
                    s, net.stages.get(s).getClass().getSimpleName(), units, crownWidth / units, pgdWidth / units, ratio[units / 2],
                    crownUnstable, pgdUnstable, outside));
            if (oracle && units == size) {
                Propagation p = new Propagation(net, x0, 1, cls, new double[] {eps}, null);
                int value = s;
                p.afterBounds = at -> {
                    if (at == value) {
                        for (int u = 0; u < size; u++) {
                            double mid = 0.5 * (range[0][u] + range[1][u]);
                            double half = 0.55 * (range[1][u] - range[0][u]);
                            p.lower[at][u] = mid - half;
                            p.upper[at][u] = mid + half;
                        }
                    }
                };
                double[][] o = p.radii();
                line.append(String.format(Locale.ROOT, ", \"oracle_radius\": %.6g, \"oracle_estimate\": %.6g", o[0][0], o[1][0]));
            }
            System.out.println(line.append('}'));
        }
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 4; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /** Per unit of value s (the first {@code units}): the lowest and highest value PGD finds in the ball. */
    static double[][] ranges(CrownNetwork net, double[] x0, int cls, double eps, int s, int units, int steps) {
        int d = net.inputSize();
        int m = 2 * units;                                   // unit u: trajectory 2u ascends, 2u + 1 descends
        int[] c = new int[m];
        Arrays.fill(c, cls);
        double[] x = new double[m * d];
        for (int k = 0; k < m; k++) {
            System.arraycopy(x0, 0, x, k * d, d);
        }
        double[][] best = {new double[units], new double[units]};
        Arrays.fill(best[0], Double.POSITIVE_INFINITY);
        Arrays.fill(best[1], Double.NEGATIVE_INFINITY);
        double[] center = net.valueAt(x0, 1, s);
        for (int u = 0; u < units; u++) {
            best[0][u] = center[u];
            best[1][u] = center[u];
        }
        for (int it = 0; it < steps; it++) {
            double[] g = gradients(net, x, m, c, s);
            ascend(x, x0, g, m, eps, it);
            double[] v = net.valueAt(x, m, s);
            for (int k = 0; k < m; k++) {
                int u = k / 2;
                double value = v[k * net.stages.get(s).in + u];
                best[0][u] = Math.min(best[0][u], value);
                best[1][u] = Math.max(best[1][u], value);
            }
        }
        return best;
    }

    /**
     * Step {@code it} of projected gradient ascent for m points x (each d = x0.length values) along their gradients g:
     * a normalized step of ε, then 0.5ε·0.8^it, each point put back onto the ball ‖x − x₀‖ ≤ ε.
     */
    static void ascend(double[] x, double[] x0, double[] g, int m, double eps, int it) {
        int d = x0.length;
        double step = it == 0 ? eps : 0.5 * eps * Math.pow(0.8, it);
        for (int k = 0; k < m; k++) {
            double n2 = 0;
            for (int i = 0; i < d; i++) {
                n2 += g[k * d + i] * g[k * d + i];
            }
            double scale = n2 > 0 ? step / Math.sqrt(n2) : 0;
            double dist = 0;
            for (int i = 0; i < d; i++) {
                x[k * d + i] += scale * g[k * d + i];
                double dv = x[k * d + i] - x0[i];
                dist += dv * dv;
            }
            double norm = Math.sqrt(dist);
            if (norm > eps) {                            // back onto the ball
                for (int i = 0; i < d; i++) {
                    x[k * d + i] = x0[i] + (x[k * d + i] - x0[i]) * (eps / norm);
                }
            }
        }
    }

    /**
     * Per point k the gradient of ±(unit k / 2 of value s) (+ for even k): one back-substitution through the lines
     * of bounds that are the point's own values (every MAX pool exact on its argmax, every ReLU on its side).
     */
    static double[] gradients(CrownNetwork net, double[] x, int m, int[] cls, int s) {
        int size = net.stages.get(s).in;
        double[] lam = new double[m * size];
        for (int k = 0; k < m; k++) {
            lam[k * size + k / 2] = k % 2 == 0 ? 1 : -1;
        }
        return gradients(net, x, m, cls, s, lam);
    }

    /** Per point k the gradient of row k of {@code lam} (one row per point over value s), as {@link #gradients}. */
    static double[] gradients(CrownNetwork net, double[] x, int m, int[] cls, int s, double[] lam) {
        Propagation p = new Propagation(net, x, m, cls, new double[m], null);
        double[] v = x;
        for (int j = 0; j < s; j++) {
            p.lower[j] = v;
            p.upper[j] = v;
            Stage st = net.stages.get(j);
            if (st instanceof MaxPoolStage pool) {
                p.lines[j] = pool.lines(v, v, m, null, null);
            } else if (st instanceof ActivationStage a) {
                double[] l4 = new double[4 * v.length];
                for (int i = 0; i < v.length; i++) {
                    Relaxation.lines(a.g, v[i], v[i], l4, 4 * i);
                }
                p.lines[j] = l4;
            }
            v = CrownNetwork.apply(st, v, m);
        }
        p.lower[s] = v;
        p.upper[s] = v;
        return p.backSubstitution.run(s, lam.clone(), 1, new double[m], new double[m], CrownNetwork.Slope.ADAPTIVE, null, null)[3];
    }
}
