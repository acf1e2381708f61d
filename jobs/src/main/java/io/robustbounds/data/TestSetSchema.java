package io.robustbounds.data;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The test-set row schema: {@code id} (long, unique), {@code features} (array of float or double, row-major
 * C×H×W for images), {@code label} (int, nullable). Shape, range and class names live in the file footer
 * ({@link TestSetMetadata}).
 */
public final class TestSetSchema {
    public static final String ID = "id";
    public static final String FEATURES = "features";
    public static final String LABEL = "label";

    private TestSetSchema() {
    }

    /** The Avro schema the Spark-free writer uses; {@code doubles} picks double over float features. */
    public static Schema avro(boolean doubles) {
        return SchemaBuilder.record("TestSetRow").namespace("io.robustbounds")
                .fields()
                .requiredLong(ID)
                .name(FEATURES).type().array().items(doubles ? Schema.create(Schema.Type.DOUBLE) : Schema.create(Schema.Type.FLOAT)).noDefault()
                .optionalInt(LABEL)
                .endRecord();
    }
}
