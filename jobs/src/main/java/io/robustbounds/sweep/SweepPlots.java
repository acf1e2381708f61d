package io.robustbounds.sweep;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.report.Fit;
import io.robustbounds.spark.RunOutput;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.style.BoxStyler;
import scala.Tuple2;

/**
 * Box plots of the per-model mean deviations, one box per cell and one figure per bound mode (the thesis' Figures
 * 3.2 and 4.1): {@code box-plot-<mode>.png} and {@code .svg}. Quartiles interpolated between order statistics as R's default
 * (XChart N_LESS_1_PLUS_1).
 *
 * <p>Cells whose values reach ten times further from zero than the median cell's (Table 4.2's row 2′ with U = 100 beside
 * rows 1–8) go into a second panel on the right with its own axis, so they do not flatten the others. Every cell is labelled;
 * the figure is as wide as its labels need, and labels turn 45° when even so they would not fit side by side.
 */
final class SweepPlots {
    private static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final int HEIGHT = 480;

    private SweepPlots() {
    }

    /** One panel: the cells' labels and values. */
    record Panel(List<String> labels, List<double[]> values) {
    }

    static void write(SweepConfig c, Map<Tuple2<Integer, Integer>, double[]> perModel, RunOutput out, FileSystem fs) {
        System.setProperty("java.awt.headless", "true");
        for (BoundMode mode : c.allModes()) {
            List<String> labels = new ArrayList<>();
            List<double[]> values = new ArrayList<>();
            for (int i = 0; i < c.cells().size(); i++) {
                double[] v = perModel.get(new Tuple2<>(i, mode.ordinal()));
                if (v != null && v.length > 0) {
                    labels.add(c.cells().get(i).label());
                    values.add(v);
                }
            }
            if (labels.isEmpty()) {
                continue;
            }
            List<Panel> panels = panels(labels, values);
            String title = c.name() + ": per-model mean deviation (" + mode.id() + " bounds)";
            List<BoxChart> charts = new ArrayList<>();
            for (int p = 0; p < panels.size(); p++) {
                charts.add(chart(panels.get(p), p == 0 ? title : "on their own scale", p == 0));
            }
            try {
                String base = "box-plot-" + mode.id();
                commit(fs, new Path(out.staging(base + ".png")), png(charts));
                commit(fs, new Path(out.staging(base + ".svg")), svg(charts));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the box plots", e);
            }
        }
    }

    /**
     * The cells in one panel, or two: the cells at most {@link Fit#OWN_SCALE} times further from zero than the median cell, then
     * the others (only when the first panel keeps at least two cells; the report's box plots split by the same rule).
     */
    static List<Panel> panels(List<String> labels, List<double[]> values) {
        double[] reach = new double[values.size()];
        for (int i = 0; i < reach.length; i++) {
            reach[i] = Arrays.stream(values.get(i)).map(Math::abs).filter(Double::isFinite).max().orElse(0);
        }
        boolean[] own = Fit.ownScale(reach);
        Panel common = new Panel(new ArrayList<>(), new ArrayList<>());
        Panel apart = new Panel(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < reach.length; i++) {
            Panel p = own[i] ? apart : common;
            p.labels().add(labels.get(i));
            p.values().add(values.get(i));
        }
        return apart.labels().isEmpty() ? List.of(common) : List.of(common, apart);
    }

    /** A box chart of one panel, as wide as its labels need (turned 45° when they would need more than 160 pixels each). */
    static BoxChart chart(Panel p, String title, boolean yTitle) {
        int label = p.labels().stream().mapToInt(SweepPlots::textWidth).max().orElse(0);
        boolean turn = label + 16 > 160;
        int slot = turn ? 70 : Math.max(70, label + 16);
        int width = Math.max(Math.max(yTitle ? 640 : 300, 140 + slot * p.labels().size()), textWidth(title) + 80);
        BoxChart chart = new BoxChartBuilder().width(width).height(HEIGHT + (turn ? label / 2 : 0)).title(title).xAxisTitle("cell")
                .yAxisTitle(yTitle ? "mean of ‖η‖ − bound per model" : "").build();
        chart.getStyler().setBoxplotCalCulationMethod(BoxStyler.BoxplotCalCulationMethod.N_LESS_1_PLUS_1);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setAxisTickLabelsFont(TICKS);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisTickMarkSpacingHint(1); // XChart leaves out category labels it finds crowded: keep every cell
        if (turn) {
            chart.getStyler().setXAxisLabelRotation(45);
        }
        for (int i = 0; i < p.labels().size(); i++) {
            chart.addSeries(p.labels().get(i), p.values().get(i));
        }
        return chart;
    }

    static int textWidth(String s) {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            return g.getFontMetrics(TICKS).stringWidth(s);
        } finally {
            g.dispose();
        }
    }

    private static int width(List<BoxChart> charts) {
        return charts.stream().mapToInt(BoxChart::getWidth).sum();
    }

    private static int height(List<BoxChart> charts) {
        return charts.stream().mapToInt(BoxChart::getHeight).max().orElse(HEIGHT);
    }

    /** The panels side by side. */
    static byte[] png(List<BoxChart> charts) throws IOException {
        BufferedImage img = new BufferedImage(width(charts), height(charts), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        paint(charts, g);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        return bytes.toByteArray();
    }

    static byte[] svg(List<BoxChart> charts) throws IOException {
        VectorGraphics2D g = new VectorGraphics2D();
        paint(charts, g);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, width(charts), height(charts))).writeTo(bytes);
        return bytes.toByteArray();
    }

    private static void paint(List<BoxChart> charts, Graphics2D g) {
        int x = 0;
        for (BoxChart c : charts) {
            Graphics2D panel = (Graphics2D) g.create();
            panel.translate(x, 0);
            c.paint(panel, c.getWidth(), c.getHeight());
            panel.dispose();
            x += c.getWidth();
        }
    }

    private static void commit(FileSystem fs, Path target, byte[] bytes) throws IOException {
        try (OutputStream o = fs.create(target, true)) {
            o.write(bytes);
        }
    }
}
