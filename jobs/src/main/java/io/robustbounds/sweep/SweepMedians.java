package io.robustbounds.sweep;

import io.robustbounds.results.DoubleList;
import io.robustbounds.spark.HadoopFiles;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Tuple2;

/**
 * Exact medians of the sweep's deviations per (cell, mode) without moving values to one place: a radix selection
 * over the deviations' order-preserving 64-bit keys. The first 16 bits come from the units' summaries
 * ({@link UnitSummary}); each later pass reads the units of the cells still open once and, per selection, either
 * histograms the next 16 bits of the keys sharing its prefix or, once at most {@code collectLimit} values share it,
 * brings those values (a bounded number, whatever the sweep's size) and picks the rank among them. With the default
 * limit a 10⁷-sample cell needs one or two passes. Deterministic: counts are summed and values sorted.
 */
final class SweepMedians {

    /** Values per selection gathered in the last pass: 8 MB at most, independent of the sweep's size. */
    static final int COLLECT_LIMIT = 1 << 20;

    private SweepMedians() {
    }

    /** Order-preserving map of doubles to longs compared unsigned (−0.0 just below +0.0). */
    static long sortable(double v) {
        long b = Double.doubleToRawLongBits(v);
        return b < 0 ? ~b : b ^ Long.MIN_VALUE;
    }

    static double unsortable(long k) {
        return Double.longBitsToDouble(k < 0 ? k ^ Long.MIN_VALUE : ~k);
    }

    /** The first radix digit: the key's top 16 bits. */
    static int topBits(double v) {
        return (int) (sortable(v) >>> 48);
    }

    /**
     * Looking for the value of rank {@code rank} (0-based, ascending) among the {@code count} deviations of (cell,
     * mode) whose key starts with the {@code bits}-bit {@code prefix}; resolved when {@code bits} is 64.
     */
    record Selection(int cell, int mode, long rank, long prefix, int bits, long count) implements Serializable {
        static Selection resolved(int cell, int mode, double value) {
            return new Selection(cell, mode, 0, sortable(value), 64, 1);
        }

        double value() {
            return unsortable(prefix);
        }
    }

    /** What one pass does for the selections sharing (cell, mode, prefix): histogram the next 16 bits or collect. */
    record Probe(int cell, int mode, long prefix, int bits, boolean collect) implements Serializable {
        boolean matches(long key) {
            return (key >>> (64 - bits)) == prefix;
        }
    }

    /** One task's contribution to one probe: next-digit counts or the matching values. */
    record Part(int probe, long[] counts, double[] values) implements Serializable {
    }

    /**
     * Per (cell, mode ordinal) the deviations of ranks ⌊(n−1)/2⌋ and ⌊n/2⌋ (the median is their mean), given each
     * key's top-16-bit histogram (65,536 counts) and number of values n.
     */
    static Map<Tuple2<Integer, Integer>, double[]> find(JavaSparkContext jsc, List<SweepUnit> plan, int partitions, String dir,
                                                        Map<Tuple2<Integer, Integer>, long[]> firstDigit, Map<Tuple2<Integer, Integer>, Long> n,
                                                        int collectLimit) {
        List<Selection> sel = new ArrayList<>();
        List<Tuple2<Integer, Integer>> keys = new ArrayList<>(firstDigit.keySet());
        keys.sort((a, b) -> a._1().equals(b._1()) ? Integer.compare(a._2(), b._2()) : Integer.compare(a._1(), b._1()));
        for (Tuple2<Integer, Integer> k : keys) {
            long count = n.get(k);
            if (count > 0) {
                sel.add(narrow(new Selection(k._1(), k._2(), (count - 1) / 2, 0, 0, count), firstDigit.get(k)));
                sel.add(narrow(new Selection(k._1(), k._2(), count / 2, 0, 0, count), firstDigit.get(k)));
            }
        }
        while (sel.stream().anyMatch(s -> s.bits() < 64)) {
            Map<Probe, Integer> index = new LinkedHashMap<>();
            int[] probeOf = new int[sel.size()];
            for (int i = 0; i < sel.size(); i++) {
                Selection s = sel.get(i);
                if (s.bits() < 64) {
                    Probe p = new Probe(s.cell(), s.mode(), s.prefix(), s.bits(), s.count() <= collectLimit);
                    probeOf[i] = index.computeIfAbsent(p, x -> index.size());
                }
            }
            List<Probe> probes = List.copyOf(index.keySet());
            Set<Integer> cells = probes.stream().map(Probe::cell).collect(Collectors.toSet());
            List<SweepUnit> reading = plan.stream().filter(u -> cells.contains(u.cell())).toList();
            List<Part> parts = jsc.parallelize(reading, Math.max(1, Math.min(reading.size(), partitions)))
                    .mapPartitions(new ProbeTask(dir, probes)).collect();
            long[][] counts = new long[probes.size()][];
            List<List<double[]>> values = new ArrayList<>();
            probes.forEach(p -> values.add(new ArrayList<>()));
            for (Part part : parts) {
                if (part.counts() != null) {
                    long[] c = counts[part.probe()];
                    if (c == null) {
                        counts[part.probe()] = part.counts().clone();
                    } else {
                        for (int b = 0; b < c.length; b++) {
                            c[b] += part.counts()[b];
                        }
                    }
                } else {
                    values.get(part.probe()).add(part.values());
                }
            }
            Map<Integer, double[]> sorted = new HashMap<>();
            for (int i = 0; i < sel.size(); i++) {
                Selection s = sel.get(i);
                if (s.bits() == 64) {
                    continue;
                }
                int p = probeOf[i];
                if (probes.get(p).collect()) {
                    double[] v = sorted.computeIfAbsent(p, k -> {
                        double[] all = values.get(k).stream().flatMapToDouble(Arrays::stream).toArray();
                        Arrays.sort(all);
                        return all;
                    });
                    if (v.length != s.count()) {
                        throw new IllegalStateException("median selection found " + v.length + " values for " + s);
                    }
                    sel.set(i, Selection.resolved(s.cell(), s.mode(), v[(int) s.rank()]));
                } else {
                    sel.set(i, narrow(s, counts[p]));
                }
            }
        }
        Map<Tuple2<Integer, Integer>, double[]> out = new HashMap<>();
        for (int i = 0; i < sel.size(); i += 2) {
            Selection lo = sel.get(i);
            out.put(new Tuple2<>(lo.cell(), lo.mode()), new double[] {lo.value(), sel.get(i + 1).value()});
        }
        return out;
    }

    /** Keeps the bin of the next 16 bits that holds the selection's rank. */
    static Selection narrow(Selection s, long[] counts) {
        long below = 0;
        for (int bin = 0; bin < counts.length; bin++) {
            if (s.rank() < below + counts[bin]) {
                return new Selection(s.cell(), s.mode(), s.rank() - below, (s.prefix() << 16) | bin, s.bits() + 16, counts[bin]);
            }
            below += counts[bin];
        }
        throw new IllegalStateException("median selection lost its rank: " + s + " among " + below + " values");
    }

    /** Reads a partition's units once and serves every probe of their cells. */
    static final class ProbeTask implements FlatMapFunction<Iterator<SweepUnit>, Part> {
        private final String dir;
        private final List<Probe> probes;

        ProbeTask(String dir, List<Probe> probes) {
            this.dir = dir;
            this.probes = probes;
        }

        @Override
        public Iterator<Part> call(Iterator<SweepUnit> units) {
            FileSystem fs = HadoopFiles.fileSystem(dir);
            Map<Integer, long[]> counts = new LinkedHashMap<>();
            Map<Integer, DoubleList> values = new LinkedHashMap<>();
            while (units.hasNext()) {
                SweepUnit u = units.next();
                SweepUnit.Result r = SweepFolder.read(fs, dir, u);
                for (int i = 0; i < probes.size(); i++) {
                    Probe p = probes.get(i);
                    if (p.cell() != u.cell()) {
                        continue;
                    }
                    double[] dev = r.modes().stream().filter(m -> m.mode().ordinal() == p.mode()).findFirst().orElseThrow().deviations();
                    if (p.collect()) {
                        DoubleList v = values.computeIfAbsent(i, k -> new DoubleList(64));
                        for (double d : dev) {
                            if (p.matches(sortable(d))) {
                                v.add(d);
                            }
                        }
                    } else {
                        long[] h = counts.computeIfAbsent(i, k -> new long[1 << 16]);
                        int shift = 48 - p.bits();
                        for (double d : dev) {
                            long key = sortable(d);
                            if (p.matches(key)) {
                                h[(int) ((key >>> shift) & 0xFFFF)]++;
                            }
                        }
                    }
                }
            }
            List<Part> out = new ArrayList<>();
            counts.forEach((i, h) -> out.add(new Part(i, h, null)));
            values.forEach((i, v) -> out.add(new Part(i, null, v.toArray())));
            return out.iterator();
        }
    }
}
