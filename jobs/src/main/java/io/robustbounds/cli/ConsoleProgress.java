package io.robustbounds.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * One job's progress on standard error: on a terminal a progress bar (me.tongfei:progressbar) redrawn in place,
 * otherwise (a log, a pipe) a plain {@link ProgressLine} every {@code interval}. {@link #poll} is called often (a
 * quarter of a second) by whoever knows the count; {@link #close} draws the last state and ends the line.
 */
final class ConsoleProgress implements AutoCloseable {
    /** The plain line's interval when the configuration says nothing ({@code progress.interval}). */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final String label;
    private final PrintStream out;
    private final boolean terminal;
    private final ProgressLine plain;
    private final long start = System.nanoTime();
    private String unit;
    private long total = -1;
    private LongSupplier done;
    private ProgressBar bar;
    private boolean closed;

    ConsoleProgress(String label, Duration interval) {
        this(label, interval, System.err, stderrIsTerminal());
    }

    ConsoleProgress(String label, Duration interval, PrintStream out, boolean terminal) {
        this.label = label;
        this.out = out;
        this.terminal = terminal;
        this.plain = new ProgressLine(label, out, interval.toNanos(), start);
    }

    /** From now on the job counts {@code total} of {@code unit}, {@code done} telling how many are finished. */
    synchronized void counting(String unit, long total, LongSupplier done) {
        this.unit = unit;
        this.total = total;
        this.done = done;
        plain.counting(unit, total, done, System.nanoTime());
    }

    /** Redraws the bar, or prints the plain line when its interval has passed. */
    synchronized void poll() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        if (!terminal) {
            plain.tick(now);
            return;
        }
        if (bar != null && done != null && bar.isIndefinite()) { // counting started: the waiting bar gives way to the counting one
            bar.close();
            bar = null;
        }
        if (bar == null && (done != null || now - start > 1_000_000_000L)) { // before counting (or without): elapsed time after 1 s
            bar = bar(done != null ? total : -1);
        }
        if (bar != null && done != null) {
            bar.stepTo(done.getAsLong());
        }
    }

    private ProgressBar bar(long max) {
        DecimalFormat whole = new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT));
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(label).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(out)).setUpdateIntervalMillis(250)
                .startsFrom(0, Duration.ofNanos(System.nanoTime() - start));
        if (max < 0) {
            b.clearDisplayOnFinish();
        }
        if (unit != null && max >= 0) {
            b.setUnit(" " + unit, 1).showSpeed(whole).setSpeedUnit(ChronoUnit.SECONDS);
        }
        return b.build();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!terminal) {
            plain.finish(System.nanoTime());
        } else if (bar != null) {
            if (done != null) {
                bar.stepTo(done.getAsLong());
            }
            bar.close();
        }
    }

    /**
     * Whether standard error is a terminal: on Linux the link /proc/self/fd/2 names a tty (so a redirected stderr
     * gets plain lines even when stdout is a terminal); elsewhere whether the JVM has a console.
     */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        Path fd = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd)) {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            // not Linux: the console check below
        }
        return System.console() != null;
    }
}
