package io.robustbounds.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress of one job as plain lines, for logs (standard error not a terminal): one line every {@code interval}
 * and a last one when the job ends, e.g. {@code evaluate  41,200/120,000 samples  3,150 samples/s  ETA 25 s}. The
 * rate is the work done over the time since counting started; the ETA the work left at that rate. Without a total
 * (a job that counts nothing) the line says how long it has run. Times are passed in (nanoseconds), so a test can
 * drive it with a fake clock.
 */
final class ProgressLine {
    private final String label;
    private final PrintStream out;
    private final long intervalNanos;
    private final long startNanos;
    private String unit;
    private long total = -1;
    private LongSupplier done;
    private long countingSince;
    private long lastLine;

    ProgressLine(String label, PrintStream out, long intervalNanos, long startNanos) {
        this.label = label;
        this.out = out;
        this.intervalNanos = intervalNanos;
        this.startNanos = startNanos;
        this.lastLine = startNanos;
    }

    /** The job counts {@code total} of {@code unit} from now on, {@code done} reading how many are finished. */
    void counting(String unit, long total, LongSupplier done, long nowNanos) {
        this.unit = unit;
        this.total = total;
        this.done = done;
        this.countingSince = nowNanos;
    }

    /** Prints a line when {@code interval} has passed since the last one (or since the start). */
    void tick(long nowNanos) {
        if (nowNanos - lastLine >= intervalNanos) {
            lastLine = nowNanos;
            out.println(line(nowNanos));
            out.flush();
        }
    }

    /** The last line, when the job ended (if it ran long enough to have shown one, or counted anything). */
    void finish(long nowNanos) {
        if (done != null || lastLine != startNanos) {
            out.println(line(nowNanos));
            out.flush();
        }
    }

    String line(long nowNanos) {
        if (done == null) {
            return String.format(Locale.ROOT, "%s  running  %s", label, duration((nowNanos - startNanos) / 1e9));
        }
        long d = done.getAsLong();
        double seconds = (nowNanos - countingSince) / 1e9;
        return format(label, d, total, unit, seconds);
    }

    /** {@code label  done/total unit  rate unit/s  ETA t} (rate and ETA "?" until something is done). */
    static String format(String label, long done, long total, String unit, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = done >= total ? "0 s" : done == 0 || rate == 0 ? "?" : duration((total - done) / rate);
        return String.format(Locale.ROOT, "%s  %,d/%,d %s  %s %s/s  ETA %s", label, done, total, unit,
                done == 0 ? "?" : String.format(Locale.ROOT, "%,.0f", rate), unit, eta);
    }

    /** 25 s, 3 min 05 s, 2 h 04 min. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60);
    }
}
