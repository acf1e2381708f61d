package io.robustbounds.results;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;

import io.robustbounds.eval.SampleResults;
import io.robustbounds.spark.RowSink;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * One column of the per-sample results of {@code evaluate}: its name, type, nullability, whether Parquet should try a
 * dictionary for it, and how it is filled from one sample's results in one bound mode. {@link #ALL} is the result row;
 * its Parquet/Spark schema ({@link #schema}), the writer options ({@link #writeOptions}), the row filling
 * ({@link #fill}), the aggregate's input ({@link GroupStats#INPUT}, by column) and random-mlp's CSV ({@link CsvColumn})
 * all derive from it, so a column is added here and nowhere else.
 *
 * <p>One row per test-set row that passed validation and bound mode ({@code bound_mode}: paper, sound, certified; the
 * attack columns repeat in each mode's row). {@code kappas} is the mode's κ chain from the input to the output (certified:
 * [radius, δ]); {@code bound_method} says how the bound was proven (the mode, or the certified mode's relaxation:
 * {@code crown}, {@code crown+lipschitz(…)}), {@code certify_steps} the certified search's bound propagations (null in
 * the other modes); {@code fgs_eps},
 * {@code eta_norm} and {@code adversarial_class} are null where FGS found no flip in [0, U]. {@code attack_norm} is the
 * smallest verified adversarial perturbation over the attacks run ({@code attack} names the one; FGS alone unless
 * evaluation.attacks adds DeepFool or the L2 search); {@code deviation} = attack_norm − bound and {@code tightness} =
 * bound / attack_norm are null where no attack succeeded; {@code violation}: bound > attack_norm.
 */
public record ResultColumn(String name, DataType type, boolean nullable, boolean dictionary, Filler filler) {

    /** Puts this column's value of sample {@code s} into column {@code column} of {@code out}. */
    @FunctionalInterface
    public interface Filler extends java.io.Serializable {
        void fill(Sample s, RowSink out, int column);
    }

    /**
     * The sample a row is filled from: where it came from (model, id, label), its results and the mode of this row.
     * One mutable instance is reused for every row of a partition (set, then {@link #fill}).
     */
    public static final class Sample {
        public String model;
        public long id;
        public boolean labelled;
        public int label;
        public int inputSize;
        public SampleResults results;
        public SampleResults.ModeBounds mode;
        /** The sample's index in {@link #results}. */
        public int i;

        /** Whether FGS flipped the class within [0, U]. */
        public boolean fgsFound() {
            return results.fgsSuccess()[i];
        }

        /** Whether some attack found an adversarial perturbation. */
        public boolean attackFound() {
            return !Double.isNaN(results.attackNorm()[i]);
        }
    }

    public static final ResultColumn MODEL = of("model", StringType, false, true, (s, o, c) -> o.setString(c, s.model));
    public static final ResultColumn ID = of("id", LongType, false, false, (s, o, c) -> o.setLong(c, s.id));
    public static final ResultColumn LABEL = of("label", IntegerType, true, true, (s, o, c) -> o.setInt(c, s.labelled, s.label));
    public static final ResultColumn PREDICTED = of("predicted", IntegerType, false, true,
            (s, o, c) -> o.setInt(c, true, s.results.predicted()[s.i]));
    public static final ResultColumn RUNNER_UP = of("runner_up", IntegerType, false, true,
            (s, o, c) -> o.setInt(c, true, s.results.runnerUp()[s.i]));
    public static final ResultColumn BOUND_MODE = of("bound_mode", StringType, false, true, (s, o, c) -> o.setString(c, s.mode.mode().id()));
    public static final ResultColumn BOUND = of("bound", DoubleType, false, false, (s, o, c) -> o.setDouble(c, true, s.mode.bound()[s.i]));
    public static final ResultColumn KAPPAS = of("kappas", createArrayType(DoubleType, false), false, false,
            (s, o, c) -> o.setDoubles(c, s.mode.kappasOf(s.i)));
    public static final ResultColumn DELTA = of("delta", DoubleType, false, false, (s, o, c) -> o.setDouble(c, true, s.results.delta()[s.i]));
    public static final ResultColumn JACOBIAN_NORM = of("jacobian_norm", DoubleType, false, false,
            (s, o, c) -> o.setDouble(c, true, s.results.jacobianNorm()[s.i]));
    public static final ResultColumn FGS_EPS = of("fgs_eps", DoubleType, true, false,
            (s, o, c) -> o.setDouble(c, s.fgsFound(), s.results.fgsEpsilon()[s.i]));
    public static final ResultColumn FGS_SUCCESS = of("fgs_success", BooleanType, false, true, (s, o, c) -> o.setBoolean(c, s.fgsFound()));
    public static final ResultColumn ETA_NORM = of("eta_norm", DoubleType, true, false,
            (s, o, c) -> o.setDouble(c, s.fgsFound(), s.results.etaNorm()[s.i]));
    public static final ResultColumn ADVERSARIAL_CLASS = of("adversarial_class", IntegerType, true, true,
            (s, o, c) -> o.setInt(c, s.fgsFound(), s.results.adversarialClass()[s.i]));
    public static final ResultColumn DEVIATION = of("deviation", DoubleType, true, false,
            (s, o, c) -> o.setDouble(c, s.attackFound(), s.mode.deviation()[s.i]));
    public static final ResultColumn VIOLATION = of("violation", BooleanType, false, true, (s, o, c) -> o.setBoolean(c, s.mode.violation()[s.i]));
    public static final ResultColumn INPUT_SIZE = of("input_size", IntegerType, false, true, (s, o, c) -> o.setInt(c, true, s.inputSize));
    public static final ResultColumn ATTACK_NORM = of("attack_norm", DoubleType, true, false,
            (s, o, c) -> o.setDouble(c, s.attackFound(), s.results.attackNorm()[s.i]));
    public static final ResultColumn ATTACK = of("attack", StringType, true, true,
            (s, o, c) -> o.setString(c, s.attackFound() ? s.results.attack()[s.i] : null));
    public static final ResultColumn TIGHTNESS = of("tightness", DoubleType, true, false,
            (s, o, c) -> o.setDouble(c, s.attackFound(), s.attackFound() ? s.mode.bound()[s.i] / s.results.attackNorm()[s.i] : 0));

    public static final ResultColumn BOUND_METHOD = of("bound_method", StringType, false, true, (s, o, c) -> o.setString(c, s.mode.method()));
    public static final ResultColumn CERTIFY_STEPS = of("certify_steps", IntegerType, true, true,
            (s, o, c) -> o.setInt(c, s.mode.steps() != null, s.mode.stepsOf(s.i)));

    /** The result row, in order. */
    public static final List<ResultColumn> ALL = List.of(MODEL, ID, LABEL, PREDICTED, RUNNER_UP, BOUND_MODE, BOUND, KAPPAS, DELTA,
            JACOBIAN_NORM, FGS_EPS, FGS_SUCCESS, ETA_NORM, ADVERSARIAL_CLASS, DEVIATION, VIOLATION, INPUT_SIZE, ATTACK_NORM, ATTACK,
            TIGHTNESS, BOUND_METHOD, CERTIFY_STEPS);

    private static ResultColumn of(String name, DataType type, boolean nullable, boolean dictionary, Filler filler) {
        return new ResultColumn(name, type, nullable, dictionary, filler);
    }

    /** The Spark (and so Parquet) schema of rows of these columns. */
    public static StructType schema(List<ResultColumn> columns) {
        StructType s = new StructType();
        for (ResultColumn c : columns) {
            s = s.add(c.name(), c.type(), c.nullable());
        }
        return s;
    }

    /**
     * Parquet writer settings of these columns: no dictionary for the columns whose values are (nearly) all distinct
     * (ids, bounds, norms, κ): Parquet would build a dictionary for each page, find it too large and fall back,
     * checking every value on the way — a tenth of the evaluation tasks' time went to writing.
     */
    public static java.util.Map<String, String> writeOptions(List<ResultColumn> columns) {
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        for (ResultColumn c : columns) {
            if (!c.dictionary()) {
                options.put("parquet.enable.dictionary#" + c.name() + (c.type() instanceof ArrayType ? ".list.element" : ""), "false");
            }
        }
        return options;
    }

    /** Fills every column of a row of {@code columns} (column k at position k). */
    public static void fill(List<ResultColumn> columns, Sample s, RowSink out) {
        for (int k = 0; k < columns.size(); k++) {
            columns.get(k).filler().fill(s, out, k);
        }
    }

    /** The position of {@code c} in {@code columns}; an error naming it when absent. */
    public static int position(List<ResultColumn> columns, ResultColumn c) {
        int at = columns.indexOf(c);
        if (at < 0) {
            throw new IllegalArgumentException("column " + c.name() + " is not among the result columns " + names(columns));
        }
        return at;
    }

    public static List<String> names(List<ResultColumn> columns) {
        List<String> names = new ArrayList<>();
        columns.forEach(c -> names.add(c.name()));
        return names;
    }

    /** The SQL that reads this column as its own type from results that may have been written with another (older ones). */
    public String castSql() {
        return "cast(" + name + " as " + type.sql() + ")";
    }
}
