package io.robustbounds.results;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * Per-sample results of {@code evaluate}: one row per test-set row that passed validation and bound mode
 * ({@code bound_mode}: paper, sound; the attack columns repeat in each mode's row).
 * {@code kappas} is the mode's κ chain from the input to the output; {@code fgs_eps}, {@code eta_norm} and
 * {@code adversarial_class} are null where FGS found no flip in [0, U]. {@code attack_norm} is the smallest
 * verified adversarial perturbation over the attacks run ({@code attack} names the one; FGS alone unless
 * evaluation.attacks adds DeepFool or the L2 search); {@code deviation} = attack_norm − bound and
 * {@code tightness} = bound / attack_norm are null where no attack succeeded; {@code violation}: bound > attack_norm.
 */
public final class ResultSchema {
    public static final StructType SCHEMA = createStructType(List.of(
            createStructField("model", StringType, false),
            createStructField("id", LongType, false),
            createStructField("label", IntegerType, true),
            createStructField("predicted", IntegerType, false),
            createStructField("runner_up", IntegerType, false),
            createStructField("bound_mode", StringType, false),
            createStructField("bound", DoubleType, false),
            createStructField("kappas", createArrayType(DoubleType, false), false),
            createStructField("delta", DoubleType, false),
            createStructField("jacobian_norm", DoubleType, false),
            createStructField("fgs_eps", DoubleType, true),
            createStructField("fgs_success", BooleanType, false),
            createStructField("eta_norm", DoubleType, true),
            createStructField("adversarial_class", IntegerType, true),
            createStructField("deviation", DoubleType, true),
            createStructField("violation", BooleanType, false),
            createStructField("input_size", IntegerType, false),
            createStructField("attack_norm", DoubleType, true),
            createStructField("attack", StringType, true),
            createStructField("tightness", DoubleType, true)));

    /**
     * Parquet writer settings of the results: no dictionary for the columns whose values are (nearly) all distinct
     * (ids, bounds, norms, κ): Parquet would build a dictionary for each page, find it too large and fall back,
     * checking every value on the way — a tenth of the evaluation tasks' time went to writing.
     */
    public static final java.util.Map<String, String> WRITE_OPTIONS = java.util.Map.ofEntries(
            java.util.Map.entry("parquet.enable.dictionary#id", "false"),
            java.util.Map.entry("parquet.enable.dictionary#bound", "false"),
            java.util.Map.entry("parquet.enable.dictionary#kappas.list.element", "false"),
            java.util.Map.entry("parquet.enable.dictionary#delta", "false"),
            java.util.Map.entry("parquet.enable.dictionary#jacobian_norm", "false"),
            java.util.Map.entry("parquet.enable.dictionary#fgs_eps", "false"),
            java.util.Map.entry("parquet.enable.dictionary#eta_norm", "false"),
            java.util.Map.entry("parquet.enable.dictionary#deviation", "false"),
            java.util.Map.entry("parquet.enable.dictionary#attack_norm", "false"),
            java.util.Map.entry("parquet.enable.dictionary#tightness", "false"));

    /** Rows that failed validation: where they came from, why, and the row itself. */
    public static final StructType REJECTS = createStructType(List.of(
            createStructField("file", StringType, true),
            createStructField("id", LongType, true),
            createStructField("column", StringType, false),
            createStructField("reason", StringType, false),
            createStructField("features", createArrayType(DoubleType, true), true),
            createStructField("label", IntegerType, true)));

    private ResultSchema() {
    }
}
