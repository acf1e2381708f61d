package io.robustbounds.cli;

import io.robustbounds.bounds.BoundMode;
import io.robustbounds.config.ConfigSchemas;
import io.robustbounds.config.EvaluationSettings;
import io.robustbounds.config.Settings;
import io.robustbounds.eval.Certification;
import io.robustbounds.eval.DenseStack;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.eval.MlpEvaluator;
import io.robustbounds.eval.SampleResults;
import io.robustbounds.format.ModelFormat;
import io.robustbounds.format.Npy;
import io.robustbounds.model.Activation;
import io.robustbounds.output.OutputFolder;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.results.CsvColumn;
import io.robustbounds.results.ResultColumn;
import io.robustbounds.spark.Provenance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The thesis' randomized MLP test (§4.3, Table 4.2) in process: seeded random MLPs and samples, paper-mode
 * bound and FGS minimal ε per sample, deviations and violations; per-sample CSV, summary and provenance.
 */
@Command(name = "random-mlp", mixinStandardHelpOptions = true,
        description = "Evaluate seeded random MLPs (thesis Table 4.2 style) and summarize bound deviations.")
final class RandomMlpCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, defaultValue = "conf/random-mlp.conf", description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--set", description = "override a configuration key, e.g. --set random.models=10")
    List<String> overrides = new ArrayList<>();

    /**
     * samples.csv: result columns (model is the model's index, sample the sample's within its model) and m, the bound on
     * the second derivative that only this in-process test reports.
     */
    static final List<CsvColumn> CSV = List.of(CsvColumn.of(ResultColumn.MODEL), CsvColumn.of(ResultColumn.ID).as("sample"),
            CsvColumn.of(ResultColumn.PREDICTED), CsvColumn.of(ResultColumn.RUNNER_UP), CsvColumn.of(ResultColumn.BOUND_MODE),
            CsvColumn.of(ResultColumn.BOUND), CsvColumn.of(ResultColumn.DELTA), CsvColumn.of(ResultColumn.JACOBIAN_NORM),
            new CsvColumn("m", (s, o, c) -> o.setDouble(c, true, s.results.secondDerivativeBound()[s.i])),
            CsvColumn.of(ResultColumn.FGS_EPS), CsvColumn.of(ResultColumn.FGS_SUCCESS), CsvColumn.of(ResultColumn.ETA_NORM),
            CsvColumn.of(ResultColumn.ADVERSARIAL_CLASS), CsvColumn.of(ResultColumn.DEVIATION), CsvColumn.of(ResultColumn.VIOLATION),
            CsvColumn.of(ResultColumn.BOUND_METHOD), CsvColumn.of(ResultColumn.CERTIFY_STEPS));

    @Override
    public Integer call() throws IOException {
        Settings s = Settings.load(config, overrides, ConfigSchemas.randomMlp());
        Path out = Path.of(s.getString("output"));
        try (OutputFolder output = OutputFolder.claim(out, OutputFolder.Kind.RANDOM_MLP)) { // refused unless absent, empty or random-mlp's
            Files.createDirectories(out);
            int code = run(s, out);
            output.mark(output.target());
            return code;
        }
    }

    private static int run(Settings s, Path out) throws IOException {
        long seed = s.getLong("random.seed");
        int models = s.getInt("random.models", 1);
        int perModel = s.getInt("random.samples-per-model", 1);
        RandomMlp spec = spec(s);
        EvalSettings eval = EvaluationSettings.read(s);
        int batchModels = s.getInt("evaluation.batch-models", 1);
        boolean writeModels = s.getBoolean("random.write-models");

        List<Summary> summaries = eval.modes().stream().map(Summary::new).toList();
        Progress progress = new Progress("random-mlp", (long) models * perModel);
        Path csv = out.resolve("samples.csv");
        long t0 = System.nanoTime();
        MlpEvaluator evaluator = new MlpEvaluator(eval);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(csv))) {
            w.println(CsvColumn.header(CSV));
            ResultColumn.Sample sample = new ResultColumn.Sample();
            for (int first = 0; first < models; first += batchModels) {
                int size = Math.min(batchModels, models - first);
                RandomMlp.Chunk chunk = spec.chunk(seed, first, size, perModel);
                int rows = perModel * spec.inputSize();
                for (int k = 0; writeModels && k < size; k++) { // for independent checks (scripts/crosscheck-peer): numpy reads both
                    Path folder = out.resolve("models").resolve("model-" + (first + k));
                    ModelFormat.write(chunk.models().get(k), folder);
                    double[] v = java.util.Arrays.copyOfRange(chunk.samples(), k * rows, (k + 1) * rows);
                    Npy.write(Nd4j.createFromArray(v).reshape(perModel, spec.inputSize()), folder.resolveSibling("model-" + (first + k) + ".samples.npy"));
                }
                SampleResults evaluated = evaluator.evaluate(DenseStack.of(chunk.models(), eval.dataType()), chunk.samples(), perModel);
                if (eval.strongAttacks()) { // DeepFool and the L2 search attack each model's samples on that model
                    evaluated = io.robustbounds.eval.ModelEvaluator.WithAttacks.onModels(evaluated, chunk.models(), chunk.samples(), eval);
                }
                if (eval.wants(BoundMode.CERTIFIED)) {
                    evaluated = Certification.of(chunk.models(), eval).apply(evaluated, chunk.samples());
                }
                SampleResults r = evaluated;
                for (SampleResults.ModeBounds mb : r.modes()) {
                    for (int i = 0; i < r.size(); i++) {
                        sample.model = Integer.toString(first + i / perModel);
                        sample.id = i % perModel;
                        sample.results = r;
                        sample.mode = mb;
                        sample.i = i;
                        w.println(CsvColumn.line(CSV, sample));
                    }
                }
                summaries.forEach(m -> m.add(r));
                progress.advance(r.size());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        progress.done();
        String table = String.join("\n", summaries.stream().map(m -> m.render(spec.toString(), seconds)).toList());
        System.out.println(table);
        Files.writeString(out.resolve("summary.md"), table);
        Summary summary = summaries.get(0);
        long violations = summaries.stream().mapToLong(Summary::violations).sum();
        Map<String, Object> provenance = Provenance.of(s).with();
        provenance.put("seed", seed);
        provenance.put("seconds", seconds);
        provenance.put("samples", summary.samples());
        provenance.put("violations", violations);
        provenance.put("non_finite", summary.nonFinite());
        Provenance.write(out.resolve("_provenance.json"), provenance);
        return violations > 0 || summary.nonFinite() > 0 ? 1 : 0;
    }

    static RandomMlp spec(Settings s) {
        double[] params = s.getInterval("random.parameter-interval");
        double[] samples = s.getInterval("random.sample-interval");
        Activation activation;
        try {
            activation = Activation.parse(s.getString("random.activation"), "random.activation");
        } catch (RuntimeException e) {
            throw s.invalid("random.activation", "must be one of tanh, sigmoid, softplus, relu, identity");
        }
        return RandomMlp.of(s.getInt("random.input-size", 1), s.getInt("random.layers", 0), s.getInt("random.units", 1),
                activation, s.getInt("random.classes", 2), params[0], params[1], samples[0], samples[1]);
    }
}
