package io.robustbounds.cli;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.results.NonFinite;
import java.util.Locale;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;

/**
 * The thesis' table columns over a run: deviation mean, median, std, min, max; violations; success rate. Samples with a
 * non-finite result in any mode ({@link NonFinite}) are counted apart and are in no other column.
 */
final class Summary {
    private final BoundMode mode;
    private final DescriptiveStatistics deviation = new DescriptiveStatistics();
    private final DescriptiveStatistics bound = new DescriptiveStatistics();
    private final DescriptiveStatistics epsilon = new DescriptiveStatistics();
    private long samples;
    private long successes;
    private long violations;
    private long nonFinite;

    Summary(BoundMode mode) {
        this.mode = mode;
    }

    /** Adds a batch's results of this summary's mode. */
    void add(SampleResults r) {
        SampleResults.ModeBounds m = r.of(mode);
        for (int i = 0; i < r.size(); i++) {
            samples++;
            if (NonFinite.of(r, i) != null) {
                nonFinite++;
                continue;
            }
            violations += m.violation()[i] ? 1 : 0;
            bound.addValue(m.bound()[i]);
            if (r.fgsSuccess()[i]) {
                successes++;
                epsilon.addValue(r.fgsEpsilon()[i]);
            }
            if (!Double.isNaN(r.attackNorm()[i])) { // against the best attack (FGS alone unless others were asked for)
                deviation.addValue(m.deviation()[i]);
            }
        }
    }

    long samples() {
        return samples;
    }

    long violations() {
        return violations;
    }

    /** Samples with a non-finite result (of every mode's summary alike: the check covers all modes). */
    long nonFinite() {
        return nonFinite;
    }

    String render(String what, double seconds) {
        StringBuilder b = new StringBuilder();
        b.append("## ").append(what).append("\n\n");
        b.append(String.format(Locale.ROOT, "%d samples in %.2f s (%.0f samples/s); bounds in %s mode%s%n%n", samples, seconds,
                samples / seconds, mode.id(), mode == BoundMode.PAPER ? " (the published bounds, not guarantees: BOUNDS.md §3)" : " (proven bounds: docs/sound-mode.md)"));
        if (nonFinite > 0) {
            b.append(String.format(Locale.ROOT, "**%d sample(s) with a non-finite bound, δ, ‖J‖ or attack norm** (an overflowed forward pass; "
                    + "try evaluation.precision = double): in no other column%n%n", nonFinite));
        }
        long finite = samples - nonFinite;
        b.append("| n | FGS rate | violations | non-finite | deviation mean | median | std | min | max | bound mean | ε mean |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        b.append(String.format(Locale.ROOT, "| %d | %.4f | %d | %d | %.6g | %.6g | %.6g | %.6g | %.6g | %.6g | %.6g |%n", samples,
                finite == 0 ? 0 : (double) successes / finite, violations, nonFinite, deviation.getMean(), deviation.getPercentile(50),
                deviation.getStandardDeviation(), deviation.getMin(), deviation.getMax(), bound.getMean(), epsilon.getMean()));
        return b.toString();
    }
}
