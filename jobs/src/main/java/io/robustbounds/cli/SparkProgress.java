package io.robustbounds.cli;

import io.robustbounds.spark.JobProgress;
import io.robustbounds.spark.ProgressCounter;
import java.time.Duration;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * The progress of one Spark job on the console ({@link ConsoleProgress}): the work it counts (samples, models) done of
 * its total, read from its tasks' counter ({@link ProgressCounter}) four times a second on a daemon thread — one line
 * per job, whatever its stages. A job that counts nothing ({@link JobProgress} never started) shows how long it runs.
 */
final class SparkProgress implements JobProgress, AutoCloseable {
    private final String label;
    private final ConsoleProgress console;
    private final Thread thread;
    private volatile boolean running = true;
    private ProgressCounter counter;

    SparkProgress(SparkSession spark, String label) {
        this(spark, label, ConsoleProgress.DEFAULT_INTERVAL);
    }

    /** {@code interval}: how often a plain line is printed when standard error is not a terminal. */
    SparkProgress(SparkSession spark, String label, Duration interval) {
        this.label = label;
        this.console = new ConsoleProgress(label, interval);
        thread = new Thread(() -> {
            while (running) {
                console.poll();
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "robustbounds-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized LongAccumulator start(SparkContext sc, String unit, long total) {
        if (counter != null) {
            counter.close();
        }
        counter = new ProgressCounter(sc, "robustbounds progress: " + label + " " + unit, total);
        console.counting(unit, total, counter::done);
        return counter.accumulator();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
        console.close();
        synchronized (this) {
            if (counter != null) {
                counter.close();
            }
        }
    }
}
