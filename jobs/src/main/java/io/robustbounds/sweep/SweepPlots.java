package io.robustbounds.sweep;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.spark.RunOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.style.BoxStyler;
import scala.Tuple2;

/**
 * Box plots of the per-model mean deviations, one box per cell and one figure per bound mode (the thesis' Figures
 * 3.2 and 4.1): {@code box-plot-<mode>.png} and {@code .svg}. Quartiles interpolated between order statistics as R's default (XChart N_LESS_1_PLUS_1).
 */
final class SweepPlots {
    private SweepPlots() {
    }

    static void write(SweepConfig c, Map<Tuple2<Integer, Integer>, double[]> perModel, RunOutput out, FileSystem fs) {
        System.setProperty("java.awt.headless", "true");
        for (BoundMode mode : c.allModes()) {
            BoxChart chart = new BoxChartBuilder().width(Math.max(640, 90 * c.cells().size())).height(480)
                    .title(c.name() + ": per-model mean deviation (" + mode.id() + " bounds)").xAxisTitle("cell")
                    .yAxisTitle("mean of ‖η‖ − bound per model").build();
            chart.getStyler().setBoxplotCalCulationMethod(BoxStyler.BoxplotCalCulationMethod.N_LESS_1_PLUS_1);
            chart.getStyler().setLegendVisible(false);
            int series = 0;
            for (int i = 0; i < c.cells().size(); i++) {
                double[] v = perModel.get(new Tuple2<>(i, mode.ordinal()));
                if (v != null && v.length > 0) {
                    chart.addSeries(c.cells().get(i).label(), v);
                    series++;
                }
            }
            if (series == 0) {
                continue;
            }
            try {
                java.nio.file.Path tmp = Files.createTempDirectory("robustbounds-plots");
                String base = tmp.resolve("box-plot-" + mode.id()).toString();
                BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
                VectorGraphicsEncoder.saveVectorGraphic(chart, base, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
                for (String ext : new String[] {".png", ".svg"}) {
                    fs.copyFromLocalFile(true, true, new Path(base + ext), new Path(out.staging("box-plot-" + mode.id() + ext)));
                }
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the box plots", e);
            }
        }
    }
}
