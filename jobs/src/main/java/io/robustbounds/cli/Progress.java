package io.robustbounds.cli;

import java.util.concurrent.atomic.AtomicLong;

/** The progress of work done in this process (no Spark), shown as {@link ConsoleProgress} shows a Spark job's. */
final class Progress {
    private final AtomicLong done = new AtomicLong();
    private final ConsoleProgress console;
    private long lastPoll;

    Progress(String label, long total) {
        console = new ConsoleProgress(label, ConsoleProgress.DEFAULT_INTERVAL);
        console.counting("samples", total, done::get);
    }

    void advance(long n) {
        done.addAndGet(n);
        long now = System.nanoTime();
        if (now - lastPoll > 250_000_000L) {
            lastPoll = now;
            console.poll();
        }
    }

    void done() {
        console.close();
    }
}
