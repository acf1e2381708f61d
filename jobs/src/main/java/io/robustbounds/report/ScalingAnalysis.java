package io.robustbounds.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;

/**
 * The thesis' robustness-scaling analysis (§5.4, §6 eq. 7, Figures 5.12 and 5.13) from a model's κ trace:
 * <ul>
 * <li>raising every layer's robustness by δ: κ'₁/κ₁ = 1 + δ Σ_l 1/κ_l (eq. 7), the sum over the κ at the input of
 *     every trunk layer except flatten (which only reorders), per sample; the median over samples is reported;</li>
 * <li>scaling the kernels of the n convolutions by α: κ'₁/κ₁ = α^{−n} (§5.4, Theorem 5.1's κ/‖W‖_F);</li>
 * <li>the thesis' two illustrative curves: (1 − ε)^{−n} with ε = 0.1 (Figure 5.12) and
 *     1 + δ(1 − α^{−L}) / (κ_L (1 − α^{−1})) with α = 0.01, δ = 0.1, κ_L = 2 (Figure 5.13).</li>
 * </ul>
 * Per-sample sums are reduced on the executors (percentile_approx, accuracy 10⁴); nothing per sample reaches the driver.
 */
public final class ScalingAnalysis {

    /** Per bound mode: samples, median Σ 1/κ_l and median κ₁; and the model's convolution count. */
    public record Result(String model, int convolutions, List<Integer> positions, Map<String, double[]> medians) {
        /** 1 + δ·median(Σ 1/κ_l) for a mode. */
        public double deltaGain(String mode, double delta) {
            return 1 + delta * medians.get(mode)[1];
        }

        public double kernelGain(double alpha) {
            return Math.pow(alpha, -convolutions);
        }
    }

    private ScalingAnalysis() {
    }

    /** The κ positions eq. 7 sums over: the input of every trunk layer but flatten (dense layers form the MLP block). */
    static List<Integer> positions(Model m) {
        List<Integer> p = new ArrayList<>();
        for (int l = 0; l < m.layers().size(); l++) {
            if (m.layers().get(l) instanceof DenseLayer) {
                break;
            }
            if (!(m.layers().get(l) instanceof Flatten)) {
                p.add(l);
            }
        }
        if (p.isEmpty()) {
            p.add(0); // an MLP: its one κ, the bound itself
        }
        return p;
    }

    public static Result run(SparkSession spark, Model model, String results) {
        List<Integer> pos = positions(model);
        int convolutions = (int) model.layers().stream().filter(l -> l instanceof Conv2d).count();
        StringBuilder sum = new StringBuilder();
        for (int p : pos) {
            sum.append(sum.length() == 0 ? "" : " + ").append("1D / element_at(kappas, ").append(p + 1).append(")");
        }
        List<Row> rows = spark.read().parquet(results).where(col("model").equalTo(model.name()))
                .withColumn("s", expr(sum.toString()))
                .groupBy("bound_mode")
                .agg(expr("count(*)"), expr("percentile_approx(s, 0.5, 10000)"), expr("percentile_approx(bound, 0.5, 10000)"))
                .orderBy("bound_mode").collectAsList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(results + ": no result rows for model '" + model.name() + "'");
        }
        Map<String, double[]> medians = new LinkedHashMap<>();
        for (Row r : rows) {
            medians.put(r.getString(0), new double[] {r.getLong(1), r.getDouble(2), r.getDouble(3)});
        }
        return new Result(model.name(), convolutions, pos, medians);
    }

    /** The printed table. */
    public static String table(Result r, double[] deltas, double[] alphas) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "robustness scaling of '%s' (thesis §5.4, eq. 7): %d convolution(s); κ positions %s%n%n",
                r.model(), r.convolutions(), r.positions()));
        b.append("| mode | samples | median κ₁ | median Σ 1/κ_l |");
        for (double d : deltas) {
            b.append(String.format(Locale.ROOT, " gain, δ = %g |", d));
        }
        b.append("\n|---|---|---|---|").append("---|".repeat(deltas.length)).append('\n');
        for (Map.Entry<String, double[]> e : r.medians().entrySet()) {
            double[] m = e.getValue();
            b.append(String.format(Locale.ROOT, "| %s | %.0f | %.4g | %.4g |", e.getKey(), m[0], m[2], m[1]));
            for (double d : deltas) {
                b.append(String.format(Locale.ROOT, " %.4g |", r.deltaGain(e.getKey(), d)));
            }
            b.append('\n');
        }
        b.append("\nscaling every convolution kernel by α (κ/‖W‖_F, paper mode): gain α^(−").append(r.convolutions()).append(")");
        for (double a : alphas) {
            b.append(String.format(Locale.ROOT, "; α = %g: %.4g", a, r.kernelGain(a)));
        }
        return b.append('\n').toString();
    }

    /** The four figures as PNG and SVG under {@code out}; returns their names. */
    public static List<String> plot(Result r, Path out) throws IOException {
        Files.createDirectories(out);
        Charts charts = new Charts(900, 540);
        List<String> names = new ArrayList<>();
        double[] deltas = new double[41];
        for (int i = 0; i < deltas.length; i++) {
            deltas[i] = Math.pow(10, -4 + i * 0.1);
        }
        Map<String, double[]> byMode = new LinkedHashMap<>();
        for (String mode : r.medians().keySet()) {
            double[] g = new double[deltas.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = r.deltaGain(mode, deltas[i]);
            }
            byMode.put(mode + (mode.equals("paper") ? " (not a guarantee)" : ""), g);
        }
        XYChart delta = charts.lines("Raising every layer's robustness by δ (eq. 7), " + r.model(), "δ", "κ'₁ / κ₁ (median)", deltas, byMode, true);
        delta.getStyler().setXAxisLogarithmic(true);
        names.add(save(delta, out, "scaling-delta"));

        double[] alphas = new double[51];
        double[] kernel = new double[51];
        for (int i = 0; i < alphas.length; i++) {
            alphas[i] = 0.5 + 0.01 * i;
            kernel[i] = r.kernelGain(alphas[i]);
        }
        names.add(save(charts.lines("Scaling the " + r.convolutions() + " kernel tensor(s) by α, " + r.model(), "α", "κ'₁ / κ₁",
                alphas, Map.of("α^(−" + r.convolutions() + ")", kernel), true), out, "scaling-kernels"));

        double[] n = new double[10];
        double[] fig512 = new double[10];
        double[] fig513 = new double[10];
        for (int i = 0; i < 10; i++) {
            n[i] = i + 1;
            fig512[i] = Math.pow(0.9, -(i + 1));
            fig513[i] = 1 + 0.1 * (1 - Math.pow(0.01, -(i + 1))) / (2 * (1 - 1 / 0.01));
        }
        names.add(save(charts.lines("Thesis Figure 5.12: kernels scaled by 0.9", "number of convolution kernels n", "κ'₁ / κ₁",
                n, Map.of("(1 − 0.1)^(−n)", fig512), false), out, "thesis-figure-5-12"));
        names.add(save(charts.lines("Thesis Figure 5.13: every layer's robustness + 0.1 (κ_l = 0.01 κ_{l+1}, κ_L = 2)", "layers L",
                "κ'₁ / κ₁", n, Map.of("1 + δ(1 − α^(−L)) / (κ_L(1 − α^(−1)))", fig513), true), out, "thesis-figure-5-13"));
        return names;
    }

    private static String save(XYChart c, Path out, String name) throws IOException {
        Files.write(out.resolve(name + ".png"), BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG));
        VectorGraphicsEncoder.saveVectorGraphic(c, out.resolve(name + ".svg").toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        return name;
    }
}
