package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The plain progress line (standard error not a terminal), driven by a fake clock. */
class ProgressLineTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void formatsSamplesRateAndEta() {
        assertEquals("evaluate  41,200/120,000 samples  3,169 samples/s  ETA 25 s", ProgressLine.format("evaluate", 41_200, 120_000, "samples", 13));
        assertEquals("evaluate  0/120,000 samples  ? samples/s  ETA ?", ProgressLine.format("evaluate", 0, 120_000, "samples", 3));
        assertEquals("sweep  10/10 models  5 models/s  ETA 0 s", ProgressLine.format("sweep", 10, 10, "models", 2));
        assertEquals("evaluate  1/3,601 samples  1 samples/s  ETA 1 h 00 min", ProgressLine.format("evaluate", 1, 3601, "samples", 1));
        assertEquals("3 min 05 s", ProgressLine.duration(185));
    }

    @Test
    void oneLineEveryIntervalThenTheLastAtNOfN() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        AtomicLong done = new AtomicLong();
        long t0 = 1000 * SECOND; // any origin: System.nanoTime is not zero-based
        ProgressLine line = new ProgressLine("evaluate", out, 10 * SECOND, t0);
        line.tick(t0 + 5 * SECOND); // before the interval: nothing
        line.counting("samples", 1000, done::get, t0 + 6 * SECOND);
        for (int s = 7; s <= 36; s++) { // ticks every second; 25 samples a second from counting's start
            done.set(Math.min(1000, 25L * (s - 6)));
            line.tick(t0 + s * SECOND);
        }
        done.set(1000);
        line.finish(t0 + 46 * SECOND);
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(List.of(
                "evaluate  100/1,000 samples  25 samples/s  ETA 36 s",   // at 10 s: 4 s of counting
                "evaluate  350/1,000 samples  25 samples/s  ETA 26 s",   // at 20 s
                "evaluate  600/1,000 samples  25 samples/s  ETA 16 s",   // at 30 s
                "evaluate  1,000/1,000 samples  25 samples/s  ETA 0 s"), lines);
    }

    @Test
    void aJobThatCountsNothingSaysHowLongItRuns() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressLine line = new ProgressLine("aggregate", out, 10 * SECOND, 0);
        line.tick(3 * SECOND);
        line.finish(4 * SECOND);
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "a short job that counts nothing prints nothing");
        line.tick(12 * SECOND);
        line.finish(15 * SECOND);
        assertEquals(List.of("aggregate  running  12 s", "aggregate  running  15 s"), bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void consoleProgressOffATerminalPrintsPlainLinesOnly() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        AtomicLong done = new AtomicLong();
        try (ConsoleProgress p = new ConsoleProgress("evaluate", java.time.Duration.ofHours(1), out, false)) {
            p.counting("samples", 5, done::get);
            done.set(5);
            p.poll();
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertEquals(true, text.startsWith("evaluate  5/5 samples  "), text);
        assertEquals(false, text.contains("\r"), "no carriage returns in a log");
    }
}
