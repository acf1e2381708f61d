package io.robustbounds.results;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructType;

/** The schemas of evaluate's outputs: the results (from {@link ResultColumn#ALL}) and the rejects. */
public final class ResultSchema {
    /** The results' schema. */
    public static final StructType SCHEMA = ResultColumn.schema(ResultColumn.ALL);

    /** The results' Parquet writer settings ({@link ResultColumn#writeOptions}). */
    public static final java.util.Map<String, String> WRITE_OPTIONS = ResultColumn.writeOptions(ResultColumn.ALL);

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
