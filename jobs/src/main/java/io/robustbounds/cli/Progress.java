package io.robustbounds.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line console progress report (done of total, rate, ETA), redrawn at most twice a second. */
final class Progress {
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private final PrintStream out = System.err;
    private long done;
    private long lastDraw;

    Progress(String label, long total) {
        this.label = label;
        this.total = total;
    }

    void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (now - lastDraw > 500_000_000L || done >= total) {
            lastDraw = now;
            draw(now);
        }
    }

    void done() {
        draw(System.nanoTime());
        out.println();
    }

    private void draw(long now) {
        double seconds = (now - start) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        double eta = rate > 0 ? (total - done) / rate : Double.NaN;
        int width = 30;
        int filled = total == 0 ? width : (int) (width * done / total);
        out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d samples, %.0f/s, ETA %.0f s   ", label, "#".repeat(filled),
                " ".repeat(width - filled), done, total, rate, eta);
        out.flush();
    }
}
