package io.robustbounds.spark;

/**
 * Where the values of one row go, column by column: Spark's internal row ({@link SparkInternals#mutableRow}), or a line
 * of text. A value comes with whether it is present: a row of Spark sets null where it is not; a text line may print the
 * raw value anyway (random-mlp's CSV prints NaN and the attack's placeholder values as they are).
 */
public interface RowSink {
    void setString(int column, String value);

    void setLong(int column, long value);

    void setInt(int column, boolean present, int value);

    void setDouble(int column, boolean present, double value);

    void setBoolean(int column, boolean value);

    void setDoubles(int column, double[] values);
}
