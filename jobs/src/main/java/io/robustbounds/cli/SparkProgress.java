package io.robustbounds.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * A console progress line for Spark jobs: tasks done of total over the active stages, rate and ETA of the stage,
 * polled from the status tracker twice a second on a daemon thread.
 */
final class SparkProgress implements AutoCloseable {
    private final Thread thread;
    private final PrintStream out = System.err;
    private volatile boolean running = true;
    /** On a terminal the line is redrawn in place; in logs a line is printed every 10 s. */
    private final boolean interactive = System.console() != null;
    private boolean drawn;
    private double lastLine = -10;
    private int stageSeen = -1;
    private double stageStart;

    SparkProgress(SparkSession spark, String label) {
        SparkStatusTracker tracker = spark.sparkContext().statusTracker();
        long start = System.nanoTime();
        thread = new Thread(() -> {
            while (running) {
                int done = 0;
                int total = 0;
                int stage = -1;
                for (int id : tracker.getActiveStageIds()) {
                    Option<SparkStageInfo> info = tracker.getStageInfo(id);
                    if (info.isDefined()) {
                        done += info.get().numCompletedTasks();
                        total += info.get().numTasks();
                        stage = Math.max(stage, id);
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (total > 0 && (interactive || seconds - lastLine >= 10)) {
                    int width = 30;
                    int filled = (int) ((long) width * done / total);
                    if (stage != stageSeen) { // rate and ETA per stage
                        stageSeen = stage;
                        stageStart = seconds;
                    }
                    double rate = done / Math.max(seconds - stageStart, 1e-3);
                    String eta = done == 0 ? "?" : String.format(Locale.ROOT, "%.0f s", (total - done) / rate);
                    out.printf(Locale.ROOT, "%s%s [%s%s] %d/%d tasks, %.2f tasks/s, ETA %s, %.0f s elapsed%s", interactive ? "\r" : "", label,
                            "#".repeat(filled), " ".repeat(width - filled), done, total, rate, eta, seconds, interactive ? "   " : "\n");
                    out.flush();
                    drawn = interactive;
                    lastLine = seconds;
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "robustbounds-progress");
        thread.setDaemon(true);
        thread.start();
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
        if (drawn) {
            out.println();
        }
    }
}
