package io.robustbounds.cli;

import io.robustbounds.report.CsvPlot;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code plot}: columns of a small CSV as a line chart (PNG and SVG), for the reproduction scripts. */
@Command(name = "plot", mixinStandardHelpOptions = true, description = "Plot columns of a small CSV file as lines (PNG and SVG).")
final class PlotCommand implements Callable<Integer> {
    @Option(names = "--csv", required = true, description = "CSV with a header row")
    Path csv;

    @Option(names = "--x", required = true, description = "the x column")
    String x;

    @Option(names = "--y", required = true, split = ",", description = "the y column(s), comma-separated")
    List<String> ys;

    @Option(names = "--title", defaultValue = "", description = "chart title")
    String title;

    @Option(names = "--log-x", description = "logarithmic x axis")
    boolean logX;

    @Option(names = "--out", required = true, description = "output path without extension: <out>.png and <out>.svg are written, replacing files of those names")
    Path out;

    @Override
    public Integer call() throws Exception {
        CsvPlot.plot(csv, x, ys, title, out, logX);
        System.out.println("plot → " + out + ".png, " + out + ".svg");
        return 0;
    }
}
