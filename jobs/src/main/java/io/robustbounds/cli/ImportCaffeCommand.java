package io.robustbounds.cli;

import io.robustbounds.caffe.CaffeImporter;
import io.robustbounds.config.Settings;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.Model;
import io.robustbounds.output.OutputFolder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * import-caffe: a Caffe net (binary .caffemodel, optional deploy .prototxt) into the model format, no Spark.
 * Settings come from the {@code import-caffe} block of the configuration; each option below overrides its key
 * (and {@code --weights} drops the configured prototxt, which belongs to the configured weights).
 */
@Command(name = "import-caffe", mixinStandardHelpOptions = true,
        description = "Import a Caffe net (.caffemodel weights, optional deploy .prototxt) as a model folder (or .zip); no Spark.")
final class ImportCaffeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--weights", paramLabel = "FILE", description = "the .caffemodel (import-caffe.weights); when given, import-caffe.prototxt is not used")
    Path weights;

    @Option(names = "--prototxt", paramLabel = "FILE", description = "the deploy net, architecture and input shape (import-caffe.prototxt; empty: the caffemodel's own layers)")
    Path prototxt;

    @Option(names = "--input-scale", paramLabel = "S", description = "the model takes x and computes the Caffe net on S·x, e.g. 0.00390625 for raw MNIST pixels (import-caffe.input-scale)")
    Double inputScale;

    @Option(names = "--input-range", paramLabel = "LOW,HIGH", description = "range of the model's inputs (import-caffe.input-range; default 0 to 255 × training scale / S)")
    String inputRange;

    @Option(names = "--input-shape", paramLabel = "C,H,W", description = "one sample's shape when the net does not state it (import-caffe.input-shape)")
    String inputShape;

    @Option(names = "--name", description = "model name (import-caffe.name; default: the net's name)")
    String name;

    @Option(names = "--out", paramLabel = "DIR", description = "model folder, or a .zip file (import-caffe.output)")
    Path out;

    @Override
    public Integer call() {
        run(options.load(), System.out);
        return 0;
    }

    void run(Settings s, PrintStream out) {
        String key = "import-caffe.";
        Path w = weights != null ? weights : path(s, key + "weights", true);
        // --weights names another net: its prototxt is --prototxt or none, never the configured one
        Path proto = prototxt != null ? prototxt : weights != null ? null : path(s, key + "prototxt", false);
        Path target = this.out != null ? this.out : path(s, key + "output", true);
        double scale = inputScale != null ? inputScale : s.getDouble(key + "input-scale");
        List<Double> range = inputRange != null ? numbers("--input-range", inputRange).stream().map(Number::doubleValue).toList()
                : s.getDoubleList(key + "input-range");
        if (!range.isEmpty() && range.size() != 2) {
            throw new IllegalArgumentException("input range must be LOW,HIGH, got " + range);
        }
        List<Long> shape = inputShape != null ? numbers("--input-shape", inputShape).stream().map(d -> {
                    if (d.doubleValue() != Math.rint(d.doubleValue()) || d.doubleValue() < 1) {
                        throw new IllegalArgumentException("--input-shape must hold positive whole numbers, got " + inputShape);
                    }
                    return d.longValue();
                }).toList()
                : s.getDoubleList(key + "input-shape").stream().map(d -> {
                    if (d != Math.rint(d)) {
                        throw s.invalid(key + "input-shape", "must hold whole numbers");
                    }
                    return d.longValue();
                }).toList();
        String modelName = name != null ? name : s.getString(key + "name");

        CaffeImporter.Options o = new CaffeImporter.Options(modelName.isBlank() ? null : modelName, scale,
                range.isEmpty() ? null : new double[] {range.get(0), range.get(1)},
                shape.isEmpty() ? null : shape.stream().mapToLong(Long::longValue).toArray());
        long t0 = System.nanoTime();
        Model m;
        CaffeImporter.Imported imp;
        try (OutputFolder output = OutputFolder.claim(target, OutputFolder.Kind.MODEL)) { // refused unless absent, empty or a model
            imp = CaffeImporter.importFiles(w, proto, o);
            m = imp.model();
            ModelFormat.save(m, target);
        }
        out.printf(Locale.ROOT, "import-caffe: %s%s → %s (%s), %.1f s%n", w, proto == null ? "" : " + " + proto, target,
                m.name(), (System.nanoTime() - t0) / 1e9);
        out.printf(Locale.ROOT, "  architecture from the %s; input scale %s%s%n", proto == null ? "caffemodel" : "prototxt",
                scale, m.provenance().containsKey("input_scale_folded_into")
                        ? " folded into '" + m.provenance().get("input_scale_folded_into") + "'" : "");
        out.print(imp.describe());
    }

    private static List<Double> numbers(String option, String csv) {
        try {
            return java.util.Arrays.stream(csv.split(",", -1)).map(String::trim).map(Double::valueOf).toList();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be comma-separated numbers, got '" + csv + "'");
        }
    }

    private static Path path(Settings s, String key, boolean required) {
        String v = s.getString(key);
        if (v.isBlank()) {
            if (required) {
                throw s.invalid(key, "must name a file (or give the option)");
            }
            return null;
        }
        return Path.of(io.robustbounds.config.Installation.input(v));
    }
}
