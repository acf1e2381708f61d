package io.robustbounds.certified;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Activation;
import io.robustbounds.model.Model;
import io.robustbounds.random.RandomMlp;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * scripts/bench-certified: certified mode on the thesis' LeNet-5 over N MNIST test images and on random ReLU/tanh MLPs,
 * beside the best attack (fgs + deepfool + l2-search, each flip verified by the evaluator). Prints one JSON line:
 * images/s of the certified search (attacks and sound mode excluded), median tightness (certified ÷ best attack norm)
 * and violations (certified radius above a verified attack norm) per network. The search gets no upper end from the
 * attacks, so a violation would be a real one.
 *
 * <p>Arguments: {@code MODEL_DIR IDX_IMAGES(.gz) N MLP_SAMPLES}; N = 0 skips LeNet, MLP_SAMPLES = 0 the MLPs.
 */
public final class CertifiedBench {
    private CertifiedBench() {
    }

    /**
     * LeNet-5 by default: CROWN bounds for every relaxed stage's input (-Dcertified.rowLimit=0: interval bounds only),
     * no alpha-CROWN (-Dcertified.alpha=N margin steps), bound rows reused down to -Dcertified.reuse (default
     * {@link CrownNetwork#DEFAULT_REUSE}) of their ε. Every network: search tolerance -Dcertified.tolerance (the
     * default of {@link CertifiedRadius.Settings#defaults()}); -Dcertified.upper=attack (default) gives the search the
     * sound bound and the best attack's norm as its ends, as the evaluator does (no radius can then pass the attack),
     * =none gives it neither (then a violation would be a real one).
     */
    static final int LENET_ROW_LIMIT = Integer.MAX_VALUE;
    static final int LENET_ALPHA = 0;

    public static void main(String[] args) throws IOException {
        Path modelDir = Path.of(args[0]);
        Path images = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        int mlpSamples = Integer.parseInt(args[3]);
        Map<String, Object> out = new LinkedHashMap<>();
        if (n > 0) {
            Model lenet = ModelFormat.read(modelDir);
            double[] x = mnist(images, n);
            LinearBoundNetwork net = Certified.of(lenet, 0, EVALUATION);
            if (net instanceof CrownNetwork c) {
                net = c.withCrownRowLimit(Integer.getInteger("certified.rowLimit", LENET_ROW_LIMIT))
                        .withAlphaSteps(Integer.getInteger("certified.alpha", LENET_ALPHA), Integer.getInteger("certified.alphaIntermediate", 0))
                        .withReuse(Double.parseDouble(System.getProperty("certified.reuse", String.valueOf(CrownNetwork.DEFAULT_REUSE))))
                        .withPoolNorm(Boolean.parseBoolean(System.getProperty("certified.poolNorm", "true")))
                        .withPoolDifferences(Boolean.parseBoolean(System.getProperty("certified.poolDifferences", "true")));
            }
            out.put("lenet", run(lenet, net, x, n, true));
        }
        if (mlpSamples > 0) {
            for (Activation a : List.of(Activation.RELU, Activation.TANH)) {
                for (int layers : new int[] {2, 3}) {
                    int units = layers == 2 ? 20 : 16;
                    RandomMlp spec = RandomMlp.of(10, layers, units, a, 4, -1, 1, -1, 1);
                    Model m = spec.model(1616, 0);
                    double[] x = spec.samples(1616, 0, 0, mlpSamples);
                    String key = a.id() + "-" + layers + "x" + units;
                    out.put(key, run(m, Certified.of(m, CrownNetwork.DEFAULT_BRANCHING, EVALUATION), x, mlpSamples, false));
                    // -Dcertified.branching=8,16,...: the ReLU MLPs again with at most that many subdomains (same attacks)
                    for (String b : System.getProperty("certified.branching", "").split(",")) {
                        if (!b.isBlank() && a == Activation.RELU) {
                            out.put(key + "-bab" + b.trim(), run(m, Certified.of(m, Integer.parseInt(b.trim()), EVALUATION),
                                    x, mlpSamples, false));
                        }
                    }
                }
            }
        }
        out.put("upper_end", System.getProperty("certified.upper", "attack"));
        out.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.println(json(out));
    }

    /**
     * The radii hold for the model evaluated in this type too (-Dcertified.evaluation=float|double, default double: the
     * bench's attacks run in double; evaluate's default is float).
     */
    private static final DataType EVALUATION = DataType.valueOf(System.getProperty("certified.evaluation", "double").toUpperCase(java.util.Locale.ROOT));

    /** The last model's attacks (the ReLU MLPs run once per -Dcertified.branching budget). */
    private static Model attackedModel;
    private static double[][] lastAttacks;

    private static Map<String, Object> run(Model model, LinearBoundNetwork net, double[] x, int n, boolean timed) throws IOException {
        if (model != attackedModel) {
            lastAttacks = attacks(model, x, n, timed);
            attackedModel = model;
        }
        double[][] attacks = lastAttacks;
        double[] attackNorm = attacks[0];
        double[] sound = attacks[1];
        double[] attackPredicted = attacks[2];
        boolean attackUpper = !"none".equals(System.getProperty("certified.upper", "attack"));
        CertifiedRadius.Settings settings = CertifiedRadius.Settings.defaults();
        if (System.getProperty("certified.tolerance") != null) {
            settings = settings.withRelativeTolerance(Double.parseDouble(System.getProperty("certified.tolerance")));
        }
        long start = System.nanoTime();
        CertifiedRadius.Result r = CertifiedRadius.search(net, x, n, attackUpper ? sound : null, attackUpper ? attackNorm : null, settings);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Double> tight = new ArrayList<>();
        List<Double> soundTight = new ArrayList<>();
        int violations = 0;
        int aboveSound = 0;
        for (int i = 0; i < n; i++) {
            double a = attackNorm[i];
            if (r.radius()[i] >= sound[i]) {
                aboveSound++;
            }
            if (!(a > 0) || attackPredicted[i] != r.predicted()[i]) {
                continue;
            }
            tight.add(r.radius()[i] / a);
            soundTight.add(sound[i] / a);
            if (r.radius()[i] > a) {
                violations++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", net.description());
        m.put("samples", n);
        m.put("attacked", tight.size());
        if (timed) {
            m.put("images_per_s", n / seconds);
        }
        m.put("seconds", seconds);
        m.put("median_tightness", median(tight));
        m.put("median_sound_tightness", median(soundTight));
        m.put("violations", violations);
        m.put("at_least_sound", aboveSound);
        m.put("mean_steps", Arrays.stream(r.steps()).average().orElse(0));
        if (Boolean.getBoolean("certified.radii")) {          // -Dcertified.radii=true: per sample, to compare runs
            m.put("radii", Arrays.stream(r.radius()).mapToObj(v -> String.format(Locale.ROOT, "%.6g", v)).toList());
            m.put("steps", Arrays.stream(r.steps()).boxed().toList());
        }
        return m;
    }

    /**
     * Per sample the best attack's norm, the sound bound and the predicted class; with -Dcertified.attackCache=DIR the
     * LeNet results are kept in DIR/lenet-N.txt and read back by later runs (the attacks take longer than the search).
     */
    private static double[][] attacks(Model model, double[] x, int n, boolean lenet) throws IOException {
        String dir = System.getProperty("certified.attackCache");
        Path cache = dir == null || !lenet ? null : Path.of(dir, "lenet-" + n + ".txt");
        if (cache != null && Files.exists(cache)) {
            List<String> lines = Files.readAllLines(cache);
            double[][] out = new double[3][n];
            for (int k = 0; k < 3; k++) {
                String[] v = lines.get(k).trim().split(" ");
                for (int i = 0; i < n; i++) {
                    out[k][i] = Double.parseDouble(v[i]);
                }
            }
            return out;
        }
        SampleResults a = ModelEvaluator.of(model, EvalSettings.defaults().withDataType(DataType.DOUBLE)
                .withModes(List.of(BoundMode.SOUND)).withAttacks(EvalSettings.ATTACKS)).evaluate(x, n);
        double[][] out = {a.attackNorm().clone(), a.of(BoundMode.SOUND).bound().clone(),
                Arrays.stream(a.predicted()).asDoubleStream().toArray()};
        if (cache != null) {
            Files.createDirectories(cache.getParent());
            StringBuilder b = new StringBuilder();
            for (double[] row : out) {
                for (double v : row) {
                    b.append(Double.toString(v)).append(' ');
                }
                b.append('\n');
            }
            Files.writeString(cache, b.toString());
        }
        return out;
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length == 0 ? Double.NaN : a.length % 2 == 1 ? a[a.length / 2] : 0.5 * (a[a.length / 2 - 1] + a[a.length / 2]);
    }

    /** The first n images of an IDX image file (gzipped or not) as raw pixels 0…255 (import-idx's default scale 1). */
    static double[] mnist(Path file, int n) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw)) {
            int magic = in.readInt();
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (magic != 2051 || n > count) {
                throw new IOException(file + ": not an IDX image file with " + n + " images (magic " + magic + ", " + count + " images)");
            }
            double[] x = new double[n * rows * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = in.readUnsignedByte();
            }
            return x;
        }
    }

    private static String json(Object o) {
        if (o instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(b.length() > 1 ? ", " : "").append('"').append(e.getKey()).append("\": ").append(json(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (o instanceof String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        if (o instanceof Double d) {
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4g", d) : "null";
        }
        if (o instanceof List<?> l) {
            return l.stream().map(v -> v instanceof String s ? s : json(v)).collect(java.util.stream.Collectors.joining(", ", "[", "]"));
        }
        return String.valueOf(o);
    }
}
