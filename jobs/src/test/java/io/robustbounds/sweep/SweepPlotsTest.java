package io.robustbounds.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BoxChart;

/** The sweep's box plots: a cell on a scale of its own gets its own panel; every label fits, turned when it must. */
class SweepPlotsTest {

    /** Table 4.2 as our sweep gives it: rows 1–8 and 8′ with deviations below 2, row 2′ (U = 100) around 60. */
    @Test
    void aCellOnAScaleOfItsOwnGoesToASecondPanel() throws Exception {
        List<String> labels = List.of("1", "2", "3", "4", "5", "6", "7", "8", "2′ (U = 100)", "8′ (U = 10)");
        List<double[]> values = new ArrayList<>();
        for (String l : labels) {
            double scale = l.startsWith("2′") ? 60 : 0.6;
            values.add(new double[] {0.5 * scale, scale, 1.5 * scale, 0.8 * scale, 1.2 * scale});
        }
        List<SweepPlots.Panel> panels = SweepPlots.panels(labels, values);
        assertEquals(2, panels.size());
        assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8", "8′ (U = 10)"), panels.get(0).labels());
        assertEquals(List.of("2′ (U = 100)"), panels.get(1).labels());

        List<BoxChart> charts = List.of(SweepPlots.chart(panels.get(0), "Thesis Table 4.2: random MLPs: per-model mean deviation (paper bounds)",
                true), SweepPlots.chart(panels.get(1), "on their own scale", false));
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(SweepPlots.png(charts)));
        assertEquals(charts.get(0).getWidth() + charts.get(1).getWidth(), png.getWidth(), "the panels side by side in one figure");
        assertTrue(new String(SweepPlots.svg(charts), StandardCharsets.UTF_8).contains("<svg"));
        assertEquals(1, charts.get(0).getStyler().getXAxisTickMarkSpacingHint(), "every cell labelled");
    }

    @Test
    void cellsOnOneScaleStayInOnePanelAndLongLabelsTurn() {
        List<String> labels = List.of("units=10, layers=3, activation=tanh", "units=30, layers=3, activation=tanh", "units=10, layers=6, activation=relu");
        List<double[]> values = List.of(new double[] {1, 2, 3}, new double[] {2, 3, 4}, new double[] {8, 9, 10});
        List<SweepPlots.Panel> panels = SweepPlots.panels(labels, values);
        assertEquals(1, panels.size());
        BoxChart c = SweepPlots.chart(panels.get(0), "a sweep", true);
        assertEquals(45, c.getStyler().getXAxisLabelRotation(), "labels wider than 160 pixels turn");
        BoxChart shortLabels = SweepPlots.chart(new SweepPlots.Panel(List.of("1", "2"), List.of(new double[] {1, 2}, new double[] {2, 3})), "t", true);
        assertEquals(0, shortLabels.getStyler().getXAxisLabelRotation());
        List<String> twelve = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            twelve.add("a cell label " + k);
        }
        int wide = SweepPlots.chart(new SweepPlots.Panel(twelve, java.util.Collections.nCopies(12, new double[] {1, 2, 3})), "t", true).getWidth();
        assertTrue(wide >= 12 * (SweepPlots.textWidth("a cell label 11") + 16), "as wide as the labels need: " + wide);
    }
}
