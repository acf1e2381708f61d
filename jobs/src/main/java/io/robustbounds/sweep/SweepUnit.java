package io.robustbounds.sweep;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.config.SweepConfig;
import io.robustbounds.eval.Certification;
import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.eval.MlpEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.results.DoubleList;
import io.robustbounds.results.ExactSum;
import io.robustbounds.results.NonFinite;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One work unit of a sweep, models {@code first … first+count−1} of one cell, and what it leaves behind: per model
 * the FGS successes, violations and mean deviation, and the unit's deviations in model-then-sample order (only
 * samples where FGS found a flip, as the thesis' tables), per bound mode. A sample with a non-finite result in any
 * mode ({@link NonFinite}: an overflowed forward pass) is only counted, per model: it is in no other figure, so it
 * is never averaged in nor taken for a sample without a violation. The unit is generated and evaluated from
 * (cell generator seed, model index) alone, so its content does not depend on where or with what it ran.
 */
public record SweepUnit(int cell, long first, int count) implements Serializable {

    private static final int MAGIC = 0x52425357; // "RBSW"
    private static final int VERSION = 2; // 2: non-finite samples counted per model

    /** Where the unit is committed, relative to the sweep folder. */
    public String file() {
        return "units/" + cell + "/" + first + "-" + count + ".bin";
    }

    /** The results of a unit (see the class comment). */
    public record Result(SweepUnit unit, int samplesPerModel, long samples, long successes, ExactSum epsilon, int[] successesPerModel,
                         List<ModeResult> modes, int[] nonFinitePerModel) {

        /** Samples with a non-finite result (in {@code samples}, in no other figure). */
        public long nonFinite() {
            long n = 0;
            for (int v : nonFinitePerModel) {
                n += v;
            }
            return n;
        }

        public void write(DataOutputStream out) throws IOException {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(unit.cell);
            out.writeLong(unit.first);
            out.writeInt(unit.count);
            out.writeInt(samplesPerModel);
            out.writeLong(samples);
            out.writeLong(successes);
            epsilon.write(out);
            writeInts(out, successesPerModel);
            writeInts(out, nonFinitePerModel);
            out.writeInt(modes.size());
            for (ModeResult m : modes) {
                out.writeUTF(m.mode.id());
                m.bound.write(out);
                writeInts(out, m.violationsPerModel);
                writeDoubles(out, m.meanDeviationPerModel);
                writeDoubles(out, m.deviations);
            }
        }

        /** Reads a committed unit and checks that it is the one expected (a file in the wrong place is an error, not data). */
        public static Result read(DataInputStream in, SweepUnit expected, String where) throws IOException {
            int version = in.readInt() == MAGIC ? in.readInt() : -1;
            if (version != VERSION && version != 1) {
                throw new IOException(where + ": not a sweep unit file of version 1 or " + VERSION);
            }
            SweepUnit u = new SweepUnit(in.readInt(), in.readLong(), in.readInt());
            if (!u.equals(expected)) {
                throw new IOException(where + ": holds unit " + u + ", expected " + expected);
            }
            int perModel = in.readInt();
            long samples = in.readLong();
            long successes = in.readLong();
            ExactSum eps = ExactSum.read(in);
            int[] succ = readInts(in);
            int[] nonFinite = version == 1 ? new int[succ.length] : readInts(in); // version 1 did not count them
            int n = in.readInt();
            List<ModeResult> modes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                BoundMode mode = BoundMode.parse(in.readUTF());
                modes.add(new ModeResult(mode, ExactSum.read(in), readInts(in), readDoubles(in), readDoubles(in)));
            }
            return new Result(u, perModel, samples, successes, eps, succ, modes, nonFinite);
        }
    }

    /** One bound mode's part of a unit. */
    public record ModeResult(BoundMode mode, ExactSum bound, int[] violationsPerModel, double[] meanDeviationPerModel, double[] deviations) {
    }

    /**
     * Generates and evaluates the unit: stacks of at most {@code stackSize} models, each model's weights and samples
     * from {@code RandomMlp.chunk(seed, model index, …)}. Per-model means are plain sums in sample order, so they
     * are fixed by the model alone; the unit's own totals are exact sums.
     */
    public Result evaluate(SweepConfig c, int stackSize, StackListener listener) {
        SweepConfig.Cell cell = c.cells().get(this.cell);
        RandomMlp spec = cell.spec();
        long seed = cell.generatorSeed();
        int perModel = cell.samplesPerModel();
        EvalSettings settings = c.evalSettings(cell);
        MlpEvaluator evaluator = new MlpEvaluator(settings);
        List<BoundMode> modes = cell.modes();
        boolean certified = settings.wants(BoundMode.CERTIFIED); // per model, after FGS: needs the Model objects
        boolean attacked = settings.strongAttacks();             // so do the attacks after FGS
        int[] successes = new int[count];
        int[] nonFinite = new int[count];
        ExactSum eps = new ExactSum();
        long success = 0;
        int[][] violations = new int[modes.size()][count];
        double[][] means = new double[modes.size()][count];
        ExactSum[] bounds = new ExactSum[modes.size()];
        DoubleList[] deviations = new DoubleList[modes.size()];
        for (int m = 0; m < modes.size(); m++) {
            bounds[m] = new ExactSum();
            deviations[m] = new DoubleList(count * perModel);
        }
        for (int at = 0; at < count; at += stackSize) {
            int n = Math.min(stackSize, count - at);
            SampleResults r;
            if (listener == null && !certified && !attacked) { // straight from the values: no Model objects (they cost more than the evaluation)
                RandomMlp.Stacked stack = spec.stacked(seed, first + at, n, perModel);
                r = evaluator.evaluate(DenseStack.of(stack, c.dataType()), stack.samples(), perModel);
            } else {
                RandomMlp.Chunk chunk = spec.chunk(seed, first + at, n, perModel);
                r = evaluator.evaluate(DenseStack.of(chunk.models(), c.dataType()), chunk.samples(), perModel);
                if (attacked) {
                    r = ModelEvaluator.WithAttacks.onModels(r, chunk.models(), chunk.samples(), settings);
                }
                if (certified) {
                    r = Certification.of(chunk.models(), settings).apply(r, chunk.samples());
                }
                if (listener != null) {
                    listener.evaluated(this, first + at, chunk);
                }
            }
            boolean[] finite = new boolean[r.size()];
            for (int k = 0; k < n; k++) {
                for (int i = k * perModel; i < (k + 1) * perModel; i++) {
                    finite[i] = NonFinite.of(r, i) == null;
                    if (!finite[i]) {
                        nonFinite[at + k]++;
                    } else if (r.fgsSuccess()[i]) {
                        successes[at + k]++;
                        eps.add(r.fgsEpsilon()[i]);
                    }
                }
                success += successes[at + k];
            }
            for (int m = 0; m < modes.size(); m++) {
                SampleResults.ModeBounds mb = r.of(modes.get(m));
                for (int k = 0; k < n; k++) {
                    double sum = 0;
                    for (int i = k * perModel; i < (k + 1) * perModel; i++) {
                        if (!finite[i]) {
                            continue;
                        }
                        bounds[m].add(mb.bound()[i]);
                        violations[m][at + k] += mb.violation()[i] ? 1 : 0;
                        if (r.fgsSuccess()[i]) {
                            sum += mb.deviation()[i];
                            deviations[m].add(mb.deviation()[i]);
                        }
                    }
                    means[m][at + k] = successes[at + k] == 0 ? Double.NaN : sum / successes[at + k];
                }
            }
        }
        List<ModeResult> out = new ArrayList<>();
        for (int m = 0; m < modes.size(); m++) {
            out.add(new ModeResult(modes.get(m), bounds[m], violations[m], means[m], deviations[m].toArray()));
        }
        return new Result(this, perModel, (long) count * perModel, success, eps, successes, out, nonFinite);
    }

    /** Sees every evaluated stack (write-models uses it). */
    public interface StackListener {
        void evaluated(SweepUnit unit, long firstModel, RandomMlp.Chunk chunk);
    }

    private static void writeInts(DataOutputStream out, int[] v) throws IOException {
        out.writeInt(v.length);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length);
        b.asIntBuffer().put(v);
        out.write(b.array());
    }

    private static int[] readInts(DataInputStream in) throws IOException {
        int[] v = new int[in.readInt()];
        byte[] raw = new byte[4 * v.length];
        in.readFully(raw);
        java.nio.ByteBuffer.wrap(raw).asIntBuffer().get(v);
        return v;
    }

    private static void writeDoubles(DataOutputStream out, double[] v) throws IOException {
        out.writeInt(v.length);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * v.length);
        b.asDoubleBuffer().put(v);
        out.write(b.array());
    }

    static double[] readDoubles(DataInputStream in) throws IOException {
        double[] v = new double[in.readInt()];
        byte[] raw = new byte[8 * v.length];
        in.readFully(raw);
        java.nio.ByteBuffer.wrap(raw).asDoubleBuffer().get(v);
        return v;
    }
}
