package io.robustbounds.cli;

import io.robustbounds.config.Settings;
import io.robustbounds.data.TestSetMetadata;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.ModelEvaluator;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Model;
import io.robustbounds.output.OutputFolder;
import io.robustbounds.train.LabeledSet;
import io.robustbounds.train.LayerSpec;
import io.robustbounds.train.SameDiffTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * train: a classifier of the project's layer kinds, trained with SameDiff on a labelled test-set folder and written
 * in the model format with its training provenance (data checksums, hyper-parameters, accuracy per split). No Spark.
 * The architecture and hyper-parameters come from a {@code conf/train/*.conf} file ({@link TrainConfig}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model (MLP or CNN, conf/train/*.conf) with SameDiff on Parquet test-set folders; write it in the model format.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "training configuration, e.g. conf/train/iris.conf")
    Path config;

    @Option(names = "--set", description = "override a configuration key, e.g. --set train.seed=2")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        run(Settings.load(config, overrides, TrainConfig.SCHEMA), System.out);
        return 0;
    }

    /** Trains, checks the export, writes the model; returns it. */
    static Model run(Settings s, PrintStream out) throws IOException {
        TrainConfig c = TrainConfig.from(s);
        for (String part : List.of("train", "test", "validation")) {
            java.nio.file.Path p = part.equals("train") ? c.trainData() : part.equals("test") ? c.testData() : c.validationData();
            if (p != null && !java.nio.file.Files.isDirectory(p)) {
                throw s.invalid("train.data." + part, "names no test-set folder: import the data first (import-uci --out DIR writes "
                        + "DIR/train, DIR/test and DIR/validation)");
            }
        }
        // claimed before training: a folder that is not a model is refused now, not after the training
        try (OutputFolder output = OutputFolder.claim(c.output(), OutputFolder.Kind.MODEL)) {
            return train(s, c, out);
        }
    }

    private static Model train(Settings s, TrainConfig c, PrintStream out) throws IOException {
        long t0 = System.nanoTime();
        TrainingSets.Split train = TrainingSets.read("train", c.trainData());
        List<TrainingSets.Split> splits = new ArrayList<>(List.of(train));
        if (c.validationData() != null) {
            splits.add(TrainingSets.read("validation", c.validationData()));
        }
        splits.add(TrainingSets.read("test", c.testData()));
        TestSetMetadata meta = train.metadata();
        for (TrainingSets.Split sp : splits) {
            if (!Arrays.equals(sp.metadata().shape(), meta.shape()) || !sp.metadata().classes().equals(meta.classes())) {
                throw new IllegalArgumentException(sp.folder() + " (" + sp.role() + "): shape " + Arrays.toString(sp.metadata().shape())
                        + " and classes " + sp.metadata().classes() + " differ from the training set " + c.trainData() + ": shape "
                        + Arrays.toString(meta.shape()) + ", classes " + meta.classes());
            }
        }
        int classes = meta.classes().isEmpty()
                ? splits.stream().mapToInt(sp -> sp.data().maxLabelPlusOne()).max().orElse(0) : meta.classes().size();
        double readSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "train: %s — %s, %d classes; read %s in %.1f s%n", c.name(), Arrays.toString(meta.shape()), classes,
                String.join(", ", splits.stream().map(sp -> sp.role() + " " + sp.data().size()).toList()), readSeconds);

        SameDiffTrainer trainer = new SameDiffTrainer(c.layers(), c.hyper());
        SameDiffTrainer.Network net = trainer.build(meta.shape(), classes);
        long total = c.hyper().updates(train.data().size());
        out.printf(Locale.ROOT, "  %s; %s, lr %s, batch %d, %d updates, seed %d%s%n", describe(c.layers()), c.hyper().optimizer(),
                c.hyper().learningRate(), c.hyper().batchSize(), total, c.hyper().seed(),
                c.hyper().marginWeight() != 0 ? ", margin weight ℓ = " + c.hyper().marginWeight() : "");
        long start = System.nanoTime();
        double[] window = new double[2];
        long[] count = {0};
        net.fit(train.data(), (i, n, ce, margin) -> {
            window[0] += ce;
            window[1] += margin;
            count[0]++;
            if (i % c.logEvery() == 0 || i == n) {
                double seconds = (System.nanoTime() - start) / 1e9;
                out.printf(Locale.ROOT, "  update %d/%d: cross-entropy %.5f%s (mean of the last %d), %.1f s, %.1f ms/update%n", i, n,
                        window[0] / count[0], c.hyper().marginWeight() != 0 ? String.format(Locale.ROOT, ", −ℓ·δ %.5f", window[1] / count[0]) : "",
                        count[0], seconds, 1e3 * seconds / i);
                window[0] = 0;
                window[1] = 0;
                count[0] = 0;
            }
        });
        double trainSeconds = (System.nanoTime() - start) / 1e9;

        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("trainer", "robustbounds train (ND4J SameDiff)");
        provenance.put("config", s.source());
        Map<String, Object> data = new LinkedHashMap<>();
        splits.forEach(sp -> data.put(sp.role(), sp.provenance()));
        provenance.put("data", data);
        provenance.put("architecture", c.layers().stream().map(LayerSpec::toMap).toList());
        provenance.put("hyperparameters", c.hyper().toMap());
        provenance.put("seed", c.hyper().seed());
        provenance.put("updates", net.updates());
        provenance.put("train_seconds", round(trainSeconds));
        InputSpec input = new InputSpec(meta.shape(), meta.low(), meta.high());
        Model model = net.export(c.name(), input, meta.classes(), provenance);

        // accuracy per split by the graph and by the exported model (ModelEvaluator, the path evaluate uses)
        ModelEvaluator evaluator = ModelEvaluator.of(model, EvalSettings.defaults().withDataType(c.hyper().precision()));
        Map<String, Object> accuracy = new LinkedHashMap<>();
        Map<String, Object> check = new LinkedHashMap<>();
        for (TrainingSets.Split sp : splits) {
            LabeledSet d = sp.data();
            int[] graph = net.predict(d.features(), d.size());
            int[] exported = predict(evaluator, d);
            int disagree = 0;
            for (int i = 0; i < graph.length; i++) {
                disagree += graph[i] != exported[i] ? 1 : 0;
            }
            double acc = accuracy(exported, d.labels());
            accuracy.put(sp.role(), acc);
            check.put(sp.role(), Map.of("graph_accuracy", accuracy(graph, d.labels()), "disagreements", disagree));
            out.printf(Locale.ROOT, "  %-10s accuracy %.2f%% (%d samples; exported model and SameDiff graph disagree on %d)%n", sp.role(),
                    100 * acc, d.size(), disagree);
            // float rounding may flip a near tie, nothing more: a real mismatch means the export is wrong
            if (disagree > Math.max(1, d.size() / 1000)) {
                throw new IllegalStateException(sp.role() + ": the exported model disagrees with the trained graph on " + disagree + " of "
                        + d.size() + " samples; the export does not compute what was trained");
            }
        }
        provenance.put("accuracy", accuracy);
        provenance.put("export_check", check);
        provenance.put("nd4j", io.robustbounds.spark.Provenance.nd4jVersion());
        provenance.put("java", System.getProperty("java.version"));
        provenance.put("platform", System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores");
        provenance.put("wall_seconds", round((System.nanoTime() - t0) / 1e9));
        model = new Model(model.name(), model.input(), model.layers(), model.head(), model.classNames(), provenance);
        Path target = c.output();
        ModelFormat.save(model, target);
        out.printf(Locale.ROOT, "  trained in %.1f s (%.1f ms/update); model → %s%n", trainSeconds, 1e3 * trainSeconds / Math.max(1, net.updates()),
                target);
        return model;
    }

    private static int[] predict(ModelEvaluator evaluator, LabeledSet d) {
        int size = d.sampleSize();
        int[] out = new int[d.size()];
        int chunk = 4096;
        for (int start = 0; start < d.size(); start += chunk) {
            int n = Math.min(chunk, d.size() - start);
            int[] p = evaluator.predict(Arrays.copyOfRange(d.features(), start * size, (start + n) * size), n);
            System.arraycopy(p, 0, out, start, n);
        }
        return out;
    }

    private static double accuracy(int[] predicted, int[] labels) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }
        return labels.length == 0 ? Double.NaN : (double) correct / labels.length;
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }

    private static String describe(List<LayerSpec> layers) {
        List<String> parts = new ArrayList<>(layers.stream().map(LayerSpec::describe).toList());
        parts.add("linear");
        return String.join(" → ", parts);
    }

}
