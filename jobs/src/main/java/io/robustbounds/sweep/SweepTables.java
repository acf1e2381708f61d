package io.robustbounds.sweep;

import io.robustbounds.config.SweepConfig;
import io.robustbounds.results.TextTables;
import java.util.List;
import java.util.Locale;

/** The sweep table as CSV (every column, full precision) and Markdown (the thesis' layout, its numbers beside ours). */
final class SweepTables {
    private SweepTables() {
    }

    static final String CSV_HEADER = "cell,label,bound_mode,models,samples_per_model,input_size,layers,units,classes,activation,"
            + "sample_low,sample_high,parameter_low,parameter_high,fgs_upper,samples,n,fgs_rate,deviation_mean,deviation_median,"
            + "deviation_std,deviation_min,deviation_max,violations,non_finite,bound_mean,eps_mean,thesis_mean,thesis_median,thesis_std";

    static String csv(List<SweepJob.CellRow> rows) {
        StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
        for (SweepJob.CellRow r : rows) {
            SweepConfig.Cell c = r.cell();
            b.append(String.join(",", TextTables.quote(c.id()), TextTables.quote(c.label()), r.mode().id(), Long.toString(c.models()),
                    Integer.toString(c.samplesPerModel()), Integer.toString(c.inputSize()), Integer.toString(c.layers()),
                    Integer.toString(c.units()), Integer.toString(c.classes()), c.activation().id(), d(c.sampleLow()), d(c.sampleHigh()),
                    d(c.paramLow()), d(c.paramHigh()), d(c.fgsUpper()), Long.toString(r.samples()), Long.toString(r.n()), d(r.fgsRate()),
                    d(r.mean()), d(r.median()), d(r.std()), d(r.min()), d(r.max()), Long.toString(r.violations()),
                    Long.toString(r.nonFinite()), d(r.boundMean()),
                    d(r.epsMean()), d(c.thesisMean()), d(c.thesisMedian()), d(c.thesisStd()))).append('\n');
        }
        return b.toString();
    }

    /** Full precision, round-trippable; empty for NaN. */
    private static String d(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    static String markdown(SweepConfig c, List<SweepJob.CellRow> rows) {
        StringBuilder b = new StringBuilder();
        b.append("## ").append(c.name()).append("\n\n");
        b.append("Deviation = ‖η‖ − bound over the samples where FGS flipped the class within [0, U] (n of them); ");
        b.append("mean, median (exact) and std (n − 1) of those; thesis: its Mean / Median / Std for the row. ");
        b.append("non-finite: samples whose bound, δ, ‖J‖ or attack norm came out NaN or infinite (an overflowed forward pass), "
                + "in no other column.\n\n");
        b.append("| No. | models | samples | d | hidden | classes | sample interval | parameter interval | U | mode | n | FGS rate "
                + "| Mean | thesis | Median | thesis | Std | thesis | min | max | violations | non-finite |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (SweepJob.CellRow r : rows) {
            SweepConfig.Cell cell = r.cell();
            b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %s | %d | %s | %s | %s | %s | %d | %.4f | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d |%n",
                    cell.label(), cell.models(), cell.samplesPerModel(), cell.inputSize(), cell.architecture(), cell.classes(),
                    cell.interval(cell.sampleLow(), cell.sampleHigh()), cell.interval(cell.paramLow(), cell.paramHigh()),
                    compact(cell.fgsUpper()), r.mode().id(), r.n(), r.fgsRate(), f4(r.mean()), f4(cell.thesisMean()), f4(r.median()),
                    f4(cell.thesisMedian()), f4(r.std()), f4(cell.thesisStd()), f4(r.min()), f4(r.max()), r.violations(), r.nonFinite()));
        }
        return b.toString();
    }

    private static String compact(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String f4(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }
}
