package io.robustbounds.cli;

import io.robustbounds.spark.Sessions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A deployment check with no job logic: a small RDD job whose tasks load ND4J's native backend on the
 * executors and multiply integer matrices there, so the product's checksum is exact and the driver can
 * recompute it in plain Java. Prints the master, the executors that ran tasks and the checksum (key=value,
 * for scripts/test-cluster); exits 1 when the checksum differs or fewer than --min-executors ran tasks.
 */
@Command(name = "spark-check", hidden = true, mixinStandardHelpOptions = true,
        description = "Deployment check: run ND4J matrix products on the Spark executors and verify a checksum.")
final class SparkCheckCommand implements Callable<Integer> {

    @Option(names = "--master", defaultValue = "local[2]", description = "master when not started by spark-submit (default: ${DEFAULT-VALUE})")
    String master;

    @Option(names = "--partitions", defaultValue = "4", description = "tasks (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--products", defaultValue = "8", description = "matrix products per task (default: ${DEFAULT-VALUE})")
    int products;

    @Option(names = "--size", defaultValue = "128", description = "matrix size n (n×n; default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--min-executors", defaultValue = "1", description = "fail unless at least this many executors ran tasks (default: ${DEFAULT-VALUE})")
    int minExecutors;

    /** What one task saw and computed. */
    record Part(int partition, String executor, String host, long pid, String backend, String blas,
                String ompWaitPolicy, double checksum) implements Serializable {
    }

    @Override
    public Integer call() {
        if (partitions < 1 || products < 1 || size < 1 || size > 1024) {
            throw new IllegalArgumentException("spark-check: --partitions and --products must be ≥ 1, --size in 1..1024");
        }
        long t0 = System.nanoTime();
        SparkSession spark = Sessions.create("spark-check", master);
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int n = size;
            int k = products;
            List<Integer> ids = IntStream.range(0, partitions).boxed().collect(Collectors.toList());
            List<Part> parts = new ArrayList<>(jsc.parallelize(ids, partitions)
                    .mapPartitions(it -> {
                        List<Part> out = new ArrayList<>();
                        while (it.hasNext()) {
                            out.add(onExecutor(it.next(), k, n));
                        }
                        return out.iterator();
                    })
                    .collect());
            double checksum = 0;
            double expected = 0;
            Map<String, String> executors = new TreeMap<>();
            boolean nativeEverywhere = true;
            for (Part p : parts) {
                checksum += p.checksum();
                expected += expected(p.partition(), k, n);
                executors.put(p.executor(), p.executor() + "@" + p.host() + "/pid " + p.pid());
                nativeEverywhere &= "CpuBackend".equals(p.backend());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean ok = checksum == expected && parts.size() == partitions && nativeEverywhere && executors.size() >= minExecutors;
            Part first = parts.get(0);
            System.out.printf(Locale.ROOT, "spark-check master=%s app=%s spark=%s%n", jsc.master(), jsc.sc().applicationId(), jsc.version());
            System.out.printf(Locale.ROOT, "spark-check executors=%d [%s] backend=%s blas=%s omp_wait_policy=%s%n", executors.size(),
                    String.join(", ", executors.values()), nativeEverywhere ? first.backend() : "MIXED", first.blas(), first.ompWaitPolicy());
            System.out.printf(Locale.ROOT, "spark-check tasks=%d products=%d size=%d checksum=%.1f expected=%.1f %s seconds=%.2f%n",
                    parts.size(), k, n, checksum, expected, ok ? "ok" : "FAILED", seconds);
            if (executors.size() < minExecutors) {
                System.err.printf("spark-check: %d executor(s) ran tasks, expected at least %d%n", executors.size(), minExecutors);
            }
            return ok ? 0 : 1;
        } finally {
            spark.stop();
        }
    }

    /** Runs in a task: k products A·Aᵀ of seeded integer matrices on ND4J, summed. */
    static Part onExecutor(int partition, int k, int n) {
        double sum = 0;
        for (int j = 0; j < k; j++) {
            INDArray a = Nd4j.createFromArray(matrix(partition * k + j, n));
            sum += a.mmul(a.transpose()).sumNumber().doubleValue();
        }
        SparkEnv env = SparkEnv.get();
        String host = env == null ? "?" : env.blockManager().blockManagerId().host();
        return new Part(TaskContext.getPartitionId(), env == null ? "?" : env.executorId(), host, ProcessHandle.current().pid(),
                Nd4j.getBackend().getClass().getSimpleName(), String.valueOf(Nd4j.factory().blas().getBlasVendor()),
                String.valueOf(System.getenv("OMP_WAIT_POLICY")), sum);
    }

    /** The same sum in plain Java: entries are small integers, so every partial sum is exact in double. */
    static double expected(int partition, int k, int n) {
        double sum = 0;
        for (int j = 0; j < k; j++) {
            double[][] a = matrix(partition * k + j, n);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < n; c++) {
                    double dot = 0;
                    for (int i = 0; i < n; i++) {
                        dot += a[r][i] * a[c][i];
                    }
                    sum += dot;
                }
            }
        }
        return sum;
    }

    /** A seeded n×n matrix of integers in [-4, 4]. */
    static double[][] matrix(int seed, int n) {
        double[][] a = new double[n][n];
        long s = 0x9E3779B97F4A7C15L * (seed + 1);
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                s ^= s << 13;
                s ^= s >>> 7;
                s ^= s << 17;
                a[r][c] = Math.floorMod(s, 9) - 4;
            }
        }
        return a;
    }
}
