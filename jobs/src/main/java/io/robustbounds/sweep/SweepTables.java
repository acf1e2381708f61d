package io.robustbounds.sweep;

import io.robustbounds.config.SweepConfig;
import io.robustbounds.results.TextTables;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * The sweep's tables: the cell table as Parquet rows, CSV (every column, full precision) and Markdown (the thesis' layout,
 * its numbers beside ours), and the per-model table.
 */
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

    static final StructType PER_MODEL_SCHEMA = new StructType()
            .add("cell", DataTypes.StringType, false)
            .add("model", DataTypes.LongType, false)
            .add("bound_mode", DataTypes.StringType, false)
            .add("samples", DataTypes.IntegerType, false)
            .add("fgs_successes", DataTypes.IntegerType, false)
            .add("violations", DataTypes.IntegerType, false)
            .add("non_finite", DataTypes.IntegerType, false)
            .add("mean_deviation", DataTypes.DoubleType, true);

    /** The per-model table's rows of one unit, from its summary. */
    static List<Row> perModelRows(SweepConfig config, UnitSummary u) {
        String id = config.cells().get(u.unit().cell()).id();
        List<Row> rows = new ArrayList<>();
        for (UnitSummary.Mode m : u.modes()) {
            for (int k = 0; k < u.unit().count(); k++) {
                double mean = m.meanDeviationPerModel()[k];
                rows.add(RowFactory.create(id, u.unit().first() + k, m.mode().id(), u.samplesPerModel(), u.successesPerModel()[k],
                        m.violationsPerModel()[k], u.nonFinitePerModel()[k], Double.isNaN(mean) ? null : mean));
            }
        }
        return rows;
    }

    /**
     * Per (cell, mode) the per-model mean deviations in model order, for the box plots (the thesis' Figures 3.2 and
     * 4.1; models without a flip are left out), from the summaries sorted by cell and first model.
     */
    static Map<Tuple2<Integer, Integer>, double[]> perModelMeans(List<UnitSummary> summaries) {
        Map<Tuple2<Integer, Integer>, java.util.stream.DoubleStream.Builder> out = new LinkedHashMap<>();
        for (UnitSummary u : summaries) {
            for (UnitSummary.Mode m : u.modes()) {
                java.util.stream.DoubleStream.Builder b = out.computeIfAbsent(new Tuple2<>(u.unit().cell(), m.mode().ordinal()),
                        k -> java.util.stream.DoubleStream.builder());
                for (double v : m.meanDeviationPerModel()) {
                    if (!Double.isNaN(v)) {
                        b.add(v);
                    }
                }
            }
        }
        Map<Tuple2<Integer, Integer>, double[]> means = new HashMap<>();
        out.forEach((k, b) -> means.put(k, b.build().toArray()));
        return means;
    }

    // ---------------------------------------------------------------- the table

    static final StructType TABLE_SCHEMA = new StructType()
            .add("cell", DataTypes.StringType, false)
            .add("label", DataTypes.StringType, false)
            .add("bound_mode", DataTypes.StringType, false)
            .add("models", DataTypes.LongType, false)
            .add("samples_per_model", DataTypes.IntegerType, false)
            .add("input_size", DataTypes.IntegerType, false)
            .add("layers", DataTypes.IntegerType, false)
            .add("units", DataTypes.IntegerType, false)
            .add("classes", DataTypes.IntegerType, false)
            .add("activation", DataTypes.StringType, false)
            .add("sample_low", DataTypes.DoubleType, false)
            .add("sample_high", DataTypes.DoubleType, false)
            .add("parameter_low", DataTypes.DoubleType, false)
            .add("parameter_high", DataTypes.DoubleType, false)
            .add("fgs_upper", DataTypes.DoubleType, false)
            .add("samples", DataTypes.LongType, false)
            .add("n", DataTypes.LongType, false)
            .add("fgs_rate", DataTypes.DoubleType, true)
            .add("deviation_mean", DataTypes.DoubleType, true)
            .add("deviation_median", DataTypes.DoubleType, true)
            .add("deviation_std", DataTypes.DoubleType, true)
            .add("deviation_min", DataTypes.DoubleType, true)
            .add("deviation_max", DataTypes.DoubleType, true)
            .add("violations", DataTypes.LongType, false)
            .add("non_finite", DataTypes.LongType, false)
            .add("bound_mean", DataTypes.DoubleType, true)
            .add("eps_mean", DataTypes.DoubleType, true)
            .add("thesis_mean", DataTypes.DoubleType, true)
            .add("thesis_median", DataTypes.DoubleType, true)
            .add("thesis_std", DataTypes.DoubleType, true);

    static List<Row> tableRows(List<SweepJob.CellRow> rows) {
        List<Row> out = new ArrayList<>();
        for (SweepJob.CellRow r : rows) {
            SweepConfig.Cell c = r.cell();
            out.add(RowFactory.create(c.id(), c.label(), r.mode().id(), c.models(), c.samplesPerModel(), c.inputSize(), c.layers(), c.units(),
                    c.classes(), c.activation().id(), c.sampleLow(), c.sampleHigh(), c.paramLow(), c.paramHigh(), c.fgsUpper(), r.samples(),
                    r.n(), nullIfNaN(r.fgsRate()), nullIfNaN(r.mean()), nullIfNaN(r.median()), nullIfNaN(r.std()), nullIfNaN(r.min()),
                    nullIfNaN(r.max()), r.violations(), r.nonFinite(), nullIfNaN(r.boundMean()), nullIfNaN(r.epsMean()), nullIfNaN(c.thesisMean()),
                    nullIfNaN(c.thesisMedian()), nullIfNaN(c.thesisStd())));
        }
        return out;
    }

    static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }
}
