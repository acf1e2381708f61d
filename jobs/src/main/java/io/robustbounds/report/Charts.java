package io.robustbounds.report;

import io.robustbounds.report.ReportData.Box;
import io.robustbounds.report.ReportData.Hist;
import io.robustbounds.report.ReportData.KappaProfile;
import io.robustbounds.report.ReportData.Rank;
import io.robustbounds.report.ReportData.Transitions;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's figures, drawn with XChart from the small summaries of {@link ReportData}. */
final class Charts {
    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    /** Lines and boxes of no bound mode: the attacks' norms (FGS ‖η‖, the best attack), FGS ε. */
    static final Color ATTACK = new Color(0x404040);
    /** The colours of the known bound modes, the same in every figure of every report. */
    private static final Map<String, Color> MODE_COLORS = Map.of("paper", new Color(0xd62728), "sound", new Color(0x1f77b4),
            "certified", new Color(0x2ca02c));
    /** Modes not known here get one of these by a hash of their name: fixed across figures and runs. */
    private static final Color[] OTHER_MODES = {new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2),
            new Color(0x17becf), new Color(0xbcbd22)};
    /** Dash patterns telling groups apart where colour tells the mode: solid, dashed, dotted, dash-dot. */
    static final float[][] DASHES = {null, {8f, 5f}, {2f, 4f}, {12f, 4f, 2f, 4f}};
    private static final Font BASE = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TICKS = BASE.deriveFont(12f);

    private final int width;
    private final int height;

    Charts(int width, int height) {
        this.width = width;
        this.height = height;
    }

    /** The colour of a bound mode in every figure: paper red, sound blue, certified green, others by name; null (no mode): dark grey. */
    static Color modeColor(String mode) {
        if (mode == null || mode.isEmpty()) {
            return ATTACK;
        }
        Color known = MODE_COLORS.get(mode);
        return known != null ? known : OTHER_MODES[Math.floorMod(mode.hashCode(), OTHER_MODES.length)];
    }

    /** The pixel width of a tick label in the tick font. */
    static int textWidth(String s) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        try {
            return g.getFontMetrics(TICKS).stringWidth(s);
        } finally {
            g.dispose();
        }
    }

    /**
     * The y range of box plots fitted to the boxes, not to their extremes: from the lowest whisker to the highest, widened to
     * take in a minimum or maximum that lies within half that span of it, plus a 5% margin; {@code clipped}: the extremes
     * left outside (not drawn; the caption says how many). {@code log}: all of it positive and spanning two decades or more.
     */
    record BoxRange(double lo, double hi, boolean log, int clipped) {
        static BoxRange of(List<Box> boxes) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (Box b : boxes) {
                lo = Math.min(lo, b.lowWhisker());
                hi = Math.max(hi, b.highWhisker());
            }
            if (!(lo <= hi)) {
                return new BoxRange(Double.NaN, Double.NaN, false, 0);
            }
            boolean log = lo > 0 && hi / lo >= 100;
            double span = log ? Math.log10(hi / lo) : hi - lo;
            double reach = 0.5 * span;
            int clipped = 0;
            double wideLo = lo;
            double wideHi = hi;
            for (Box b : boxes) {
                double below = log ? Math.log10(lo / b.min()) : lo - b.min();
                double above = log ? Math.log10(b.max() / hi) : b.max() - hi;
                if (b.min() < b.lowWhisker()) {
                    if (below <= reach) {
                        wideLo = Math.min(wideLo, b.min());
                    } else {
                        clipped++;
                    }
                }
                if (b.max() > b.highWhisker()) {
                    if (above <= reach) {
                        wideHi = Math.max(wideHi, b.max());
                    } else {
                        clipped++;
                    }
                }
            }
            if (log) {
                double pad = 0.05 * Math.log10(wideHi / wideLo);
                return new BoxRange(wideLo / Math.pow(10, pad), wideHi * Math.pow(10, pad), true, clipped);
            }
            double pad = wideHi > wideLo ? 0.05 * (wideHi - wideLo) : Math.max(1e-9, Math.abs(wideHi) * 0.1);
            return new BoxRange(wideLo - pad, wideHi + pad, false, clipped);
        }

        boolean inside(double v) {
            return v >= lo && v <= hi;
        }
    }

    /** Line chart of named series over shared x values (log y when {@code logY}). */
    XYChart lines(String title, String x, String y, double[] xs, java.util.Map<String, double[]> series, boolean logY) {
        XYChart c = xy(title, x, y);
        c.getStyler().setYAxisLogarithmic(logY);
        for (java.util.Map.Entry<String, double[]> e : series.entrySet()) {
            c.addSeries(e.getKey(), xs, e.getValue());
        }
        return c;
    }

    private XYChart xy(String title, String x, String y) {
        return style(new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(x).yAxisTitle(y).build());
    }

    private static XYChart style(XYChart c) {
        common(c.getStyler());
        c.getStyler().setSeriesColors(PALETTE);
        c.getStyler().setMarkerSize(6);
        c.getStyler().setAnnotationTextFont(BASE.deriveFont(12f));
        return c;
    }

    /** The look every chart with axes shares: fonts, white background, light grid, legend below. */
    private static void common(org.knowm.xchart.style.AxesChartStyler st) {
        st.setBaseFont(BASE);
        st.setChartTitleFont(BASE.deriveFont(Font.BOLD, 15f));
        st.setLegendFont(BASE);
        st.setAxisTitleFont(BASE);
        st.setAxisTickLabelsFont(TICKS);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotGridLinesColor(new Color(0xdddddd));
        st.setLegendPosition(LegendPosition.OutsideS);
        st.setLegendBorderColor(Color.WHITE);
        st.setLocale(Locale.ROOT);
    }

    /**
     * Box plots from precomputed statistics (XChart's BoxChart needs the raw values): box Q1–Q3, median line, Tukey whiskers,
     * and the minimum and maximum as points when they lie beyond the whiskers. One box per group, side by side per mode.
     */
    Chart<?, ?> boxes(String title, String yTitle, String xTitle, List<String> groups, List<Box> boxes, Function<String, String> seriesName) {
        GroupedChart c = new GroupedChart(new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle),
                groups, numbered(groups));
        style(c);
        c.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
        c.getStyler().setXAxisMin(0.5);
        c.getStyler().setXAxisMax(groups.size() + 0.5);
        c.getStyler().setPlotGridVerticalLinesVisible(false);
        c.getStyler().setPlotContentSize(1.0); // the axis ranges below fill the plot: its bottom is the y minimum, where names go
        c.getStyler().setxAxisTickLabelsFormattingFunction(x -> " "); // GroupedChart writes the group names
        BoxRange range = BoxRange.of(boxes.stream().filter(b -> groups.contains(b.group())).toList());
        if (!Double.isNaN(range.lo())) {
            c.getStyler().setYAxisLogarithmic(range.log());
            c.getStyler().setYAxisMin(range.lo());
            c.getStyler().setYAxisMax(range.hi());
        }
        Map<String, List<Box>> byMode = new LinkedHashMap<>();
        boxes.forEach(b -> byMode.computeIfAbsent(b.mode() == null ? "" : b.mode(), m -> new ArrayList<>()).add(b));
        int modes = byMode.size();
        double slot = 0.8 / modes;
        int m = 0;
        for (Map.Entry<String, List<Box>> e : byMode.entrySet()) {
            List<Double> ox = new ArrayList<>();
            List<Double> oy = new ArrayList<>();
            List<Double> mx = new ArrayList<>();
            List<Double> my = new ArrayList<>();
            List<Double> px = new ArrayList<>();
            List<Double> py = new ArrayList<>();
            for (Box b : e.getValue()) {
                int g = groups.indexOf(b.group());
                if (g < 0) {
                    continue;
                }
                double center = g + 1 - 0.4 + slot * (m + 0.5);
                double x0 = center - slot * 0.35;
                double x1 = center + slot * 0.35;
                double cap = slot * 0.15;
                path(ox, oy, new double[] {x0, x1, x1, x0, x0}, new double[] {b.q1(), b.q1(), b.q3(), b.q3(), b.q1()});
                path(ox, oy, new double[] {center, center}, new double[] {b.q3(), b.highWhisker()});
                path(ox, oy, new double[] {center - cap, center + cap}, new double[] {b.highWhisker(), b.highWhisker()});
                path(ox, oy, new double[] {center, center}, new double[] {b.q1(), b.lowWhisker()});
                path(ox, oy, new double[] {center - cap, center + cap}, new double[] {b.lowWhisker(), b.lowWhisker()});
                path(mx, my, new double[] {x0, x1}, new double[] {b.median(), b.median()});
                if (b.min() < b.lowWhisker() && range.inside(b.min())) {
                    px.add(center);
                    py.add(b.min());
                }
                if (b.max() > b.highWhisker() && range.inside(b.max())) {
                    px.add(center);
                    py.add(b.max());
                }
            }
            Color color = modeColor(e.getKey());
            String name = seriesName.apply(e.getKey());
            XYSeries box = c.addSeries(name, ox, oy);
            box.setMarker(SeriesMarkers.NONE).setLineColor(color).setLineStyle(new BasicStroke(1.5f));
            XYSeries med = c.addSeries(name + " median", mx, my);
            med.setMarker(SeriesMarkers.NONE).setLineColor(color).setLineStyle(new BasicStroke(3f));
            med.setShowInLegend(false);
            if (!px.isEmpty()) {
                XYSeries ext = c.addSeries(name + " min/max beyond whiskers", px, py);
                ext.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter).setMarker(SeriesMarkers.CIRCLE).setMarkerColor(color);
                ext.setShowInLegend(false);
            }
            m++;
        }
        c.getStyler().setLegendVisible(modes > 1 || !byMode.containsKey(""));
        return c;
    }

    /**
     * An XY chart whose x positions 1..G are groups: XChart's numeric ticks cannot be pinned to them, so their names are written
     * under the plot after it is painted (in PNG and SVG alike), as numbers "#i" when a name does not fit its slot.
     */
    static final class GroupedChart extends XYChart {
        private final List<String> groups;

        private final boolean numbered;

        GroupedChart(XYChartBuilder b, List<String> groups, boolean numbered) {
            super(b);
            this.groups = groups;
            this.numbered = numbered;
        }

        @Override
        public void paint(java.awt.Graphics2D g, int w, int h) {
            super.paint(g, w, h);
            if (groups.isEmpty()) {
                return;
            }
            g.setFont(getStyler().getAxisTickLabelsFont());
            g.setColor(getStyler().getAxisTickLabelsColor());
            java.awt.FontMetrics fm = g.getFontMetrics();
            double y = getScreenYFromChart(getStyler().getYAxisMin()) + getStyler().getAxisTickPadding() + fm.getAscent() + 1;
            for (int i = 0; i < groups.size(); i++) {
                String label = numbered ? "#" + (i + 1) : groups.get(i);
                double x = getScreenXFromChart(i + 1) - fm.stringWidth(label) / 2.0;
                g.drawString(label, (float) x, (float) y);
            }
        }
    }

    /** Whether group names are too wide for their slots under a box plot, so that "#i" stands for them (the caption lists them). */
    boolean numbered(List<String> groups) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        try {
            java.awt.FontMetrics fm = g.getFontMetrics(TICKS);
            double slot = (width - 140.0) / Math.max(1, groups.size());
            return groups.stream().anyMatch(n -> fm.stringWidth(n) > slot - 8);
        } finally {
            g.dispose();
        }
    }

    /** Appends a polyline and a gap (XChart leaves a null point undrawn). */
    private static void path(List<Double> xs, List<Double> ys, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            xs.add(x[i]);
            ys.add(y[i]);
        }
        xs.add(x[x.length - 1]);
        ys.add(null);
    }

    /** How a line is drawn: its colour and dash pattern (null: solid). */
    record Look(Color color, float[] dash) {
        BasicStroke stroke() {
            return dash == null ? new BasicStroke(2f) : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f);
        }
    }

    /** Histograms over a fitted x axis (log or linear, see {@link Fit}): one staircase per series over the drawn bins' edges. */
    Chart<?, ?> histogram(String title, String xTitle, Fit.Histogram h, Map<String, Look> looks) {
        XYChart c = xy(title, xTitle + (h.range().log() ? " (log scale)" : ""), "samples per bin");
        c.getStyler().setXAxisLogarithmic(h.range().log());
        c.getStyler().setXAxisMin(h.range().lo());
        c.getStyler().setXAxisMax(h.range().hi());
        c.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
        double[] e = h.edges();
        h.counts().forEach((name, counts) -> {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int k = 0; k < counts.length; k++) {
                x.add(e[k]);
                y.add((double) counts[k]);
                x.add(e[k + 1]);
                y.add((double) counts[k]);
            }
            XYSeries line = c.addSeries(name, x, y);
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(looks.get(name).color()).setLineStyle(looks.get(name).stroke());
        });
        return c;
    }

    /**
     * Fractions against r over a fitted axis: on a linear axis from r = 0 (where {@code atZero} gives each series' value), on a
     * log axis over the range; points outside the axis are left out.
     */
    Chart<?, ?> curves(String title, String xTitle, String yTitle, double[] x, Map<String, double[]> series, Map<String, Double> atZero,
            Map<String, Look> looks, Fit.Range range) {
        XYChart c = xy(title, xTitle + (range.log() ? " (log scale)" : ""), yTitle);
        c.getStyler().setXAxisLogarithmic(range.log());
        c.getStyler().setXAxisMin(range.log() ? range.lo() : 0.0);
        c.getStyler().setXAxisMax(range.hi());
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(1.0);
        c.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
        series.forEach((name, y) -> {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            if (!range.log()) {
                xs.add(0.0);
                ys.add(atZero.get(name));
            }
            for (int i = 0; i < x.length; i++) {
                if (x[i] <= range.hi() && (range.log() ? x[i] >= range.lo() : true)) {
                    xs.add(x[i]);
                    ys.add(y[i]);
                }
            }
            XYSeries s = c.addSeries(name, xs, ys);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(looks.get(name).color()).setLineStyle(looks.get(name).stroke());
        });
        return c;
    }

    /**
     * The class-transition heat map: predicted class (rows) → adversarial class (columns), with "none" for no flip. Every class
     * is labelled, by its name when {@code classNames} has one (else its index); column labels turn upright when they do not fit.
     */
    Chart<?, ?> transitions(Transitions t, List<String> classNames) {
        int k = t.classes();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(classNames != null && i < classNames.size() ? classNames.get(i) : String.valueOf(i));
        }
        int longest = names.stream().mapToInt(Charts::textWidth).max().orElse(0);
        int side = Math.min(width, height + 120 + longest);
        HeatMapChart c = new HeatMapChartBuilder().width(side).height(height + (longest > 40 ? longest / 2 : 0))
                .title("Class transitions under FGS: " + t.model()).xAxisTitle("adversarial class").yAxisTitle("predicted class").build();
        c.getStyler().setBaseFont(BASE);
        c.getStyler().setChartTitleFont(BASE.deriveFont(Font.BOLD, 15f));
        c.getStyler().setAxisTitleFont(BASE);
        c.getStyler().setAxisTickLabelsFont(TICKS);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setShowValue(k <= 12);
        c.getStyler().setValueFont(BASE.deriveFont(11f));
        c.getStyler().setHeatMapValueDecimalPattern("#");
        // the darkest cell stays light enough for the black counts in it (contrast ≥ 6:1 against #4292c6)
        c.getStyler().setRangeColors(new Color[] {new Color(0xf7fbff), new Color(0x9ecae1), new Color(0x4292c6)});
        c.getStyler().setValueFontColor(Color.BLACK);
        c.getStyler().setLegendPosition(LegendPosition.OutsideE);
        // XChart leaves out category labels it thinks crowded: a spacing hint of one pixel keeps every class
        c.getStyler().setXAxisTickMarkSpacingHint(1);
        c.getStyler().setYAxisTickMarkSpacingHint(1);
        double slot = (side - 200.0 - longest) / (k + 1);
        if (longest + 6 > slot) {
            c.getStyler().setXAxisLabelRotation(longest + 6 > 2 * slot ? 90 : 45);
        }
        List<String> x = new ArrayList<>(names);
        x.add("none");
        List<Number[]> heat = new ArrayList<>();
        long max = 1;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j <= k; j++) {
                heat.add(new Number[] {j, i, t.counts()[i][j]});
                max = Math.max(max, t.counts()[i][j]);
            }
        }
        c.getStyler().setMin(0);
        c.getStyler().setMax(max);
        c.addSeries("samples", x, names, heat);
        return c;
    }

    /**
     * Median log10 κ per chain position (solid, with markers) and its quartiles (dashed), per series: colour by bound mode, marker
     * (and dashes) by group. {@code positions} names the chain's positions (layer kind and index); labels turn when crowded.
     */
    Chart<?, ?> kappa(List<KappaProfile> profiles, Function<KappaProfile, String> name, List<String> positions, String xTitle) {
        CategoryChart c = new CategoryChartBuilder().width(width).height(height).title("Per-layer κ profile").xAxisTitle(xTitle)
                .yAxisTitle("log10 κ").build();
        common(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Line);
        c.getStyler().setXAxisTickMarkSpacingHint(1); // every position named
        c.getStyler().setYAxisDecimalPattern("0.#");
        int longest = positions.stream().mapToInt(Charts::textWidth).max().orElse(0);
        if (longest + 8 > (width - 160.0) / Math.max(1, positions.size())) {
            c.getStyler().setXAxisLabelRotation(45);
        }
        List<String> groups = profiles.stream().map(KappaProfile::group).distinct().toList();
        org.knowm.xchart.style.markers.Marker[] markers = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
                SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN};
        for (KappaProfile p : profiles) {
            int g = groups.indexOf(p.group());
            Color color = modeColor(p.mode());
            String n = name.apply(p);
            float[] d = DASHES[g % DASHES.length];
            c.addSeries(n, positions, values(p.median(), positions.size())).setMarker(markers[g % markers.length]).setMarkerColor(color)
                    .setLineColor(color).setLineStyle(d == null ? new BasicStroke(2f) : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                            10f, d, 0f));
            BasicStroke dash = new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f);
            var lo = c.addSeries(n + " Q1", positions, values(p.q1(), positions.size()));
            lo.setMarker(SeriesMarkers.NONE).setLineColor(color).setLineStyle(dash);
            lo.setShowInLegend(false);
            var hi = c.addSeries(n + " Q3", positions, values(p.q3(), positions.size()));
            hi.setMarker(SeriesMarkers.NONE).setLineColor(color).setLineStyle(dash);
            hi.setShowInLegend(false);
        }
        return c;
    }

    /** A profile's values at every position, null where it has none (a shorter chain, or no positive finite κ there). */
    private static List<Double> values(double[] v, int positions) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < positions; i++) {
            out.add(i < v.length && !Double.isNaN(v[i]) ? v[i] : null);
        }
        return out;
    }

    /** Model selection: mean FGS ε against mean bound, one point per model and mode, names beside the points when few. */
    Chart<?, ?> ranking(List<Rank> ranks, List<String> modes) {
        XYChart c = xy("Models: mean bound against mean FGS ε", "mean FGS ε (samples FGS flipped)", "mean bound");
        c.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(9);
        c.getStyler().setYAxisDecimalPattern("0.####");
        c.getStyler().setXAxisDecimalPattern("0.####");
        boolean logX = ranks.stream().allMatch(r -> r.epsMean() != null && r.epsMean() > 0);
        boolean logY = ranks.stream().allMatch(r -> r.boundMean().values().stream().allMatch(v -> v > 0));
        c.getStyler().setXAxisLogarithmic(logX && ranks.size() > 1);
        c.getStyler().setYAxisLogarithmic(logY && ranks.size() > 1);
        int added = 0;
        for (String mode : modes) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Rank r : ranks) {
                Double b = r.boundMean().get(mode);
                if (b != null && r.epsMean() != null) {
                    x.add(r.epsMean());
                    y.add(b);
                    if (ranks.size() <= 20 && modes.indexOf(mode) == 0) {
                        c.addAnnotation(new AnnotationText("  " + r.model(), r.epsMean(), b, false));
                    }
                }
            }
            if (!x.isEmpty()) {
                c.addSeries(Format.mode(mode), x, y).setMarker(SeriesMarkers.CIRCLE).setMarkerColor(modeColor(mode));
                added++;
            }
        }
        if (added == 0) {
            c.addSeries("no model has an FGS flip", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        }
        return c;
    }
}
