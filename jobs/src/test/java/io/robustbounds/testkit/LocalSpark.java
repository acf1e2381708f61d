package io.robustbounds.testkit;

import io.robustbounds.spark.Sessions;
import org.apache.spark.sql.SparkSession;

/** One embedded local Spark for all tests of the module (starting one costs seconds). */
public final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {
    }

    public static synchronized SparkSession get() {
        if (session == null) {
            session = Sessions.create("robustbounds-tests", "local[2]");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
        }
        return session;
    }
}
