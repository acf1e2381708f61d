package io.robustbounds.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;

/** A line plot of columns of a small CSV file (header row, numbers), as PNG and SVG: for the reproduction scripts. */
public final class CsvPlot {
    private CsvPlot() {
    }

    public static void plot(Path csv, String x, List<String> ys, String title, Path out, boolean logX) throws IOException {
        List<String> lines = Files.readAllLines(csv).stream().filter(l -> !l.isBlank()).toList();
        if (lines.size() < 2) {
            throw new IllegalArgumentException(csv + ": needs a header and at least one row");
        }
        List<String> header = Arrays.asList(lines.get(0).split(","));
        int xi = column(header, x, csv);
        double[] xs = new double[lines.size() - 1];
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String y : ys) {
            series.put(y, new double[xs.length]);
        }
        for (int r = 1; r < lines.size(); r++) {
            String[] v = lines.get(r).split(",");
            xs[r - 1] = number(v, xi, csv, r);
            for (String y : ys) {
                series.get(y)[r - 1] = number(v, column(header, y, csv), csv, r);
            }
        }
        XYChart c = new Charts(900, 540).lines(title, x, String.join(", ", ys), xs, series, false);
        c.getStyler().setXAxisLogarithmic(logX);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(Path.of(out + ".png"), BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG));
        VectorGraphicsEncoder.saveVectorGraphic(c, out + ".svg", VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    }

    private static int column(List<String> header, String name, Path csv) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(csv + ": no column '" + name + "' (columns: " + header + ")");
        }
        return i;
    }

    private static double number(String[] row, int i, Path csv, int line) {
        try {
            return Double.parseDouble(row[i].trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(csv + " line " + (line + 1) + ", column " + (i + 1) + ": not a number: "
                    + (i < row.length ? row[i] : "(missing)"));
        }
    }
}
