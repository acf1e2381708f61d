package io.robustbounds.results;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.MlpEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.model.Activation;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.spark.SparkInternals;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The result row and the aggregate's table are each defined once: a column added to the definition reaches every use. */
public class ResultColumnTest {
    private static final RandomMlp SPEC = RandomMlp.of(4, 2, 6, Activation.TANH, 3, -1, 1, -1, 1);
    public static final int PER_MODEL = 25;

    /** Two random models' results (paper and sound), 25 samples each. */
    public static SampleResults results() {
        RandomMlp.Chunk chunk = SPEC.chunk(7, 0, 2, PER_MODEL);
        EvalSettings s = EvalSettings.defaults().withModes(List.of(io.robustbounds.bounds.BoundMode.PAPER, io.robustbounds.bounds.BoundMode.SOUND));
        return new MlpEvaluator(s).evaluate(DenseStack.of(chunk.models(), s.dataType()), chunk.samples(), PER_MODEL);
    }

    public static ResultColumn.Sample sample(SampleResults r, SampleResults.ModeBounds mode, int i) {
        ResultColumn.Sample s = new ResultColumn.Sample();
        s.model = "m" + i / PER_MODEL;
        s.id = i;
        s.labelled = i % 3 != 0;
        s.label = i % 3;
        s.inputSize = 4;
        s.results = r;
        s.mode = mode;
        s.i = i;
        return s;
    }

    @Test
    void theResultsKeepTheirColumnsAndTypes() {
        assertEquals(List.of("model", "id", "label", "predicted", "runner_up", "bound_mode", "bound", "kappas", "delta", "jacobian_norm",
                "fgs_eps", "fgs_success", "eta_norm", "adversarial_class", "deviation", "violation", "input_size", "attack_norm", "attack",
                "tightness", "bound_method", "certify_steps"), List.of(ResultSchema.SCHEMA.fieldNames()));
        assertEquals("struct<model:string,id:bigint,label:int,predicted:int,runner_up:int,bound_mode:string,bound:double,"
                + "kappas:array<double>,delta:double,jacobian_norm:double,fgs_eps:double,fgs_success:boolean,eta_norm:double,"
                + "adversarial_class:int,deviation:double,violation:boolean,input_size:int,attack_norm:double,attack:string,tightness:double,"
                + "bound_method:string,certify_steps:int>",
                ResultSchema.SCHEMA.simpleString());
        assertEquals(10, ResultSchema.WRITE_OPTIONS.size());
        assertEquals("false", ResultSchema.WRITE_OPTIONS.get("parquet.enable.dictionary#kappas.list.element"));
    }

    /**
     * A column put first (so every other column moves) exists in the schema, the writer options, the filled row and a CSV
     * of the columns, and the aggregate's statistics of rows with it are those of rows without it.
     */
    @Test
    void aColumnAddedInOnePlaceReachesSchemaRowCsvAndAggregate() {
        ResultColumn twice = new ResultColumn("bound_twice", DataTypes.DoubleType, false, false,
                (s, o, c) -> o.setDouble(c, true, 2 * s.mode.bound()[s.i]));
        List<ResultColumn> extended = new ArrayList<>(List.of(twice));
        extended.addAll(ResultColumn.ALL);

        StructType schema = ResultColumn.schema(extended);
        assertEquals("bound_twice", schema.fieldNames()[0]);
        assertEquals(ResultSchema.SCHEMA.size() + 1, schema.size());
        assertEquals("false", ResultColumn.writeOptions(extended).get("parquet.enable.dictionary#bound_twice"));
        assertTrue(CsvColumn.header(extended.stream().map(CsvColumn::of).toList()).startsWith("bound_twice,model,id,"));

        SampleResults r = results();
        ResultSummary.Layout plain = ResultSummary.Layout.of(List.of("model"));
        ResultSummary.Layout moved = ResultSummary.Layout.of(List.of("model"), extended);
        GroupStats before = new GroupStats();
        GroupStats after = new GroupStats();
        SparkInternals.MutableRow a = SparkInternals.mutableRow(ResultSchema.SCHEMA);
        SparkInternals.MutableRow b = SparkInternals.mutableRow(schema);
        for (SampleResults.ModeBounds mode : r.modes()) {
            for (int i = 0; i < r.size(); i++) {
                ResultColumn.fill(ResultColumn.ALL, sample(r, mode, i), a);
                ResultColumn.fill(extended, sample(r, mode, i), b);
                InternalRow row = b.row();
                assertEquals(2 * mode.bound()[i], row.getDouble(0));
                assertEquals(a.row().getDouble(ResultSchema.SCHEMA.fieldIndex("bound")), row.getDouble(schema.fieldIndex("bound")));
                before.add(a.row(), plain.inputPositions());
                after.add(b.row(), moved.inputPositions());
            }
        }
        assertArrayEquals(before.finish(), after.finish());
        assertEquals(2L * r.size(), after.finish()[0]);
    }

    /** An aggregate column added to the list is in the table's schema, its values and its CSV. */
    @Test
    void anAggregateColumnAddedInOnePlaceReachesSchemaValuesAndCsv() {
        List<AggregateColumn> extended = new ArrayList<>(AggregateColumn.ALL);
        extended.add(new AggregateColumn("bound_max", "max bound", DataTypes.DoubleType, true, g -> g.bound.max()));
        StructType schema = AggregateColumn.schema(List.of("model"), new org.apache.spark.sql.types.DataType[] {DataTypes.StringType}, extended);
        assertEquals("bound_max", schema.fieldNames()[schema.size() - 1]);

        SampleResults r = results();
        SparkInternals.MutableRow row = SparkInternals.mutableRow(ResultSchema.SCHEMA);
        ResultSummary.Layout layout = ResultSummary.Layout.of(List.of("model"));
        GroupStats g = new GroupStats();
        double max = Double.NEGATIVE_INFINITY;
        SampleResults.ModeBounds paper = r.modes().get(0);
        for (int i = 0; i < r.size(); i++) {
            ResultColumn.fill(ResultColumn.ALL, sample(r, paper, i), row);
            g.add(row.row(), layout.inputPositions());
            max = Math.max(max, paper.bound()[i]);
        }
        Object[] values = g.finish(extended);
        assertEquals(AggregateColumn.ALL.size() + 1, values.length);
        assertEquals(max, values[values.length - 1]);
        Object[] withKey = new Object[values.length + 1];
        withKey[0] = "m";
        System.arraycopy(values, 0, withKey, 1, values.length);
        List<Row> rows = List.of(RowFactory.create(withKey));
        String csv = TextTables.csv(schema.fieldNames(), rows);
        assertTrue(csv.lines().findFirst().orElseThrow().endsWith(",violations,bound_max"), csv);
    }
}
