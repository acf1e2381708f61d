package io.robustbounds.spark;

import io.robustbounds.linalg.OpenblasKernel;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a job. Under {@code spark-submit} the master and settings come from the submit
 * command; started directly (java -jar / scripts/robustbounds) the job runs on an embedded local Spark with
 * the master of the configuration ({@code local[*]} by default).
 */
public final class Sessions {
    private Sessions() {
    }

    /** True when spark-submit (or SPARK_MASTER in the environment) decided the master. */
    public static boolean submitted() {
        return new SparkConf().contains("spark.master");
    }

    public static SparkSession create(String appName, String localMaster) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (!conf.contains("spark.master")) {
            conf.setMaster(localMaster)
                    .set("spark.ui.enabled", "false")
                    .set("spark.sql.shuffle.partitions", "8")
                    .set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.driver.host", "127.0.0.1")
                    // running tasks' counts reach the progress line with the heartbeats (ProgressCounter); the heartbeat's reply
                    // timeout is this interval too, and 1 s timed out on a loaded machine
                    .set("spark.executor.heartbeatInterval", "3s");
        }
        // the libnd4j OpenMP threads must not spin against OpenBLAS's (see scripts/robustbounds)
        conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        // parallelism comes from tasks: one ND4J thread per op (see scripts/robustbounds)
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        // executors compute with the kernel scripts/openblas-env chooses, even when this driver was started without it
        OpenblasKernel kernel = OpenblasKernel.current();
        if (kernel.forChildren() != null) {
            conf.setIfMissing("spark.executorEnv.OPENBLAS_CORETYPE", kernel.forChildren());
        }
        warnOnce(kernel);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARNED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The driver's own kernel cannot change once ND4J has loaded OpenBLAS: where it is not the chosen one (a bare
     * spark-submit or java -jar on a machine that exports another), say so once, on standard error; the provenance
     * files record it too.
     */
    private static void warnOnce(OpenblasKernel kernel) {
        if (!kernel.asChosen() && WARNED.compareAndSet(false, true)) {
            System.err.println("warning: " + kernel.warning());
        }
    }
}
