package io.robustbounds.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.robustbounds.cli.ConfigProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    static final Path CONF = Path.of("..", "conf");

    /** A kind of configuration file: the keys it may hold and the reader that validates its values. */
    private record Kind(Config schema, Consumer<Settings> reader) {
    }

    /** The kind of each file of conf/, by its place; a new file without a kind fails the test below. */
    private static Kind kind(Path file) {
        String rel = CONF.relativize(file).toString().replace('\\', '/');
        if (rel.equals("robustbounds.conf")) {
            return new Kind(ConfigSchemas.main(), ConfigProbe::validateMain);
        } else if (rel.equals("random-mlp.conf")) {
            return new Kind(ConfigSchemas.randomMlp(), ConfigProbe::validateRandomMlp);
        } else if (rel.startsWith("benchmarks/")) {
            return new Kind(ConfigSchemas.benchmark(), ConfigProbe::validateBenchmark);
        } else if (rel.equals("sweeps/defaults.conf")) {
            return new Kind(SweepConfig.schema(), s -> { }); // included by the sweeps, not a sweep by itself
        } else if (rel.startsWith("sweeps/")) {
            return new Kind(SweepConfig.schema(), SweepConfig::from);
        } else if (rel.startsWith("train/")) {
            return new Kind(ConfigProbe.trainSchema(), ConfigProbe::validateTrain);
        }
        throw new AssertionError(file + ": which command reads it? Give it a kind in SettingsTest.kind");
    }

    /** Every configuration file under conf/ holds only known keys, and its values validate, so the examples never drift. */
    /** A bare comma list on the command line, which HOCON refuses, is read as the key's type wants it. */
    @Test
    void bareCommaListsFromSet() {
        Settings s = Settings.load(CONF.resolve("robustbounds.conf"), List.of("evaluation.mode=sound,certified",
                "evaluation.attacks=fgs,deepfool"), ConfigSchemas.main());
        assertEquals("sound,certified", s.getString("evaluation.mode"));
        assertEquals(List.of("fgs", "deepfool"), s.getStringList("evaluation.attacks"));
        assertEquals(List.of(io.robustbounds.bounds.BoundMode.SOUND, io.robustbounds.bounds.BoundMode.CERTIFIED),
                EvaluationSettings.read(s).modes());
        // as written where they are already HOCON
        assertEquals("sound,certified", Settings.load(CONF.resolve("robustbounds.conf"), List.of("evaluation.mode=\"sound,certified\""),
                ConfigSchemas.main()).getString("evaluation.mode"));
        assertEquals(List.of("fgs", "l2-search"), Settings.load(CONF.resolve("robustbounds.conf"), List.of("evaluation.attacks=[fgs, l2-search]"),
                ConfigSchemas.main()).getStringList("evaluation.attacks"));
    }

    @Test
    void everyConfFileLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(CONF)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertTrue(files.size() >= 15, "conf files found: " + files);
        for (Path f : files) {
            Kind k = kind(f);
            k.reader().accept(Settings.load(f, List.of(), k.schema()));
        }
    }

    private static String unknown(Path file, Config schema, String... overrides) {
        return assertThrows(ConfigException.class, () -> Settings.load(file, List.of(overrides), schema)).getMessage();
    }

    /** The case: a misspelt key on the command line ran silently in paper mode. */
    @Test
    void unknownKeyFromSetNamesTheNearestKey() {
        assertEquals("unknown key evaluaton.mode (from --set); did you mean evaluation.mode?",
                unknown(CONF.resolve("robustbounds.conf"), ConfigSchemas.main(), "evaluaton.mode=sound"));
        assertEquals("unknown key evaluate.batch-sise (from --set); did you mean evaluate.batch-size?",
                unknown(CONF.resolve("robustbounds.conf"), ConfigSchemas.main(), "evaluate.batch-size=10", "evaluate.batch-sise=4096"));
        // nothing near: the keys of the section (or the sections) are listed instead
        String m = unknown(CONF.resolve("robustbounds.conf"), ConfigSchemas.main(), "evaluation.speed=fast");
        assertTrue(m.startsWith("unknown key evaluation.speed (from --set); keys of evaluation: attacks, batch-memory, certified, fgs-tolerance"), m);
        m = unknown(CONF.resolve("robustbounds.conf"), ConfigSchemas.main(), "cluster.nodes=4");
        assertTrue(m.startsWith("unknown key cluster.nodes (from --set); known sections: aggregate, evaluate, evaluation, import-caffe"), m);
    }

    /** The certified mode's branch-and-bound budget: read, defaulted from the shipped file, refused below 0 by name. */
    @Test
    void certifiedBranchingIsReadAndChecked() {
        Path conf = CONF.resolve("robustbounds.conf");
        assertEquals(16, EvaluationSettings.read(Settings.load(conf, List.of(), ConfigSchemas.main())).certification().branching());
        assertEquals(0, EvaluationSettings.read(Settings.load(conf, List.of("evaluation.certified.branching=0"), ConfigSchemas.main()))
                .certification().branching());
        ConfigException e = assertThrows(ConfigException.class, () -> EvaluationSettings.read(
                Settings.load(conf, List.of("evaluation.certified.branching=-2"), ConfigSchemas.main())));
        assertTrue(namesKeyAndValue(e.getMessage(), "evaluation.certified.branching=-2"), e.getMessage());
    }

    /** The certified search's keys and the batch memory: read into the evaluator's settings, each bad value refused by name. */
    @Test
    void certifiedSearchKeysAreReadAndChecked() {
        Path conf = CONF.resolve("robustbounds.conf");
        io.robustbounds.eval.EvalSettings d = EvaluationSettings.read(Settings.load(conf, List.of(), ConfigSchemas.main()));
        assertEquals(1e-2, d.certification().tolerance());
        assertEquals(30, d.certification().maxSteps());
        assertEquals(0, d.certification().radius());
        assertEquals(256L << 20, d.batchMemory());
        io.robustbounds.eval.EvalSettings s = EvaluationSettings.read(Settings.load(conf, List.of("evaluation.certified.tolerance=0.05",
                "evaluation.certified.max-steps=7", "evaluation.certified.radius=0.25", "evaluation.batch-memory=64m"), ConfigSchemas.main()));
        assertEquals(0.05, s.certification().tolerance());
        assertEquals(7, s.certification().maxSteps());
        assertEquals(0.25, s.certification().radius());
        assertEquals(64L << 20, s.batchMemory());
        for (String bad : List.of("evaluation.certified.tolerance=1.5", "evaluation.certified.max-steps=0", "evaluation.certified.radius=-1",
                "evaluation.batch-memory=1k")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> EvaluationSettings.read(Settings.load(conf, List.of(bad), ConfigSchemas.main())), bad);
            assertTrue(namesKeyAndValue(e.getMessage(), bad), e.getMessage());
        }
    }

    /** A '#' or '//' in an unquoted --set value would cut it silently (HOCON comments): refused with the quoted form. */
    @Test
    void overrideValuesThatHoconWouldCutAreRefused() {
        Path conf = CONF.resolve("robustbounds.conf");
        for (String v : List.of("/data/run#1", "/data/a//b", "hdfs://namenode/sets/mnist")) {
            ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(conf, List.of("evaluate.model=" + v), ConfigSchemas.main()), v);
            assertTrue(e.getMessage().startsWith("--set evaluate.model=" + v + ": '") && e.getMessage().endsWith(
                    "' starts a comment in HOCON, so the value would end before it; quote the value: evaluate.model=\"" + v + "\""), e.getMessage());
            Settings ok = Settings.load(conf, List.of("evaluate.model=\"" + v + "\""), ConfigSchemas.main());
            assertEquals(v, ok.getString("evaluate.model"), "quoted, the value is kept whole");
        }
        assertEquals(4096, Settings.load(conf, List.of("evaluate.batch-size=4096"), ConfigSchemas.main()).getInt("evaluate.batch-size", 1));
    }

    /**
     * Whether a refusal of the override key=value says "…: key must …, got value" (the source names the override too,
     * so a bare contains would hold for any message).
     */
    private static boolean namesKeyAndValue(String message, String override) {
        String key = override.substring(0, override.indexOf('='));
        String value = override.substring(override.indexOf('=') + 1);
        return message.contains(": " + key + " must ") && (message.endsWith(", got " + value) || message.endsWith(", got \"" + value + "\""));
    }

    @Test
    void unknownKeyInAFileNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("mine.conf");
        Files.writeString(f, "include \"" + CONF.resolve("robustbounds.conf").toAbsolutePath() + "\"\n"
                + "evaluation {\n  mdoe = sound\n}\n");
        assertEquals("unknown key evaluation.mdoe (from " + f + ":3); did you mean evaluation.mode?", unknown(f, ConfigSchemas.main()));
        // a whole misspelt section: its first key is reported
        Files.writeString(f, "include \"" + CONF.resolve("robustbounds.conf").toAbsolutePath() + "\"\n"
                + "evaluaton {\n  mode = sound\n  precision = double\n}\n");
        assertEquals("unknown key evaluaton.mode (from " + f + ":3); did you mean evaluation.mode?", unknown(f, ConfigSchemas.main()));
    }

    @Test
    void unknownKeysOfRandomMlpAndBenchmarkFiles(@TempDir Path dir) throws IOException {
        assertEquals("unknown key random.model (from --set); did you mean random.models?",
                unknown(CONF.resolve("random-mlp.conf"), ConfigSchemas.randomMlp(), "random.model=7"));
        // random-mlp.conf has no evaluate block: the job commands' keys are not its keys
        assertTrue(unknown(CONF.resolve("random-mlp.conf"), ConfigSchemas.randomMlp(), "evaluate.batch-size=7")
                .startsWith("unknown key evaluate.batch-size (from --set); known sections: evaluation, output, random"));
        Path suite = dir.resolve("suite.conf");
        Files.writeString(suite, "include \"" + CONF.resolve("benchmarks/example.conf").toAbsolutePath() + "\"\n"
                + "benchmark.entries = [\n  { name = a, model = m, test-set = t }\n  { name = b, modle = m, test-set = t }\n]\n");
        assertEquals("unknown key benchmark.entries[1].modle (from " + suite + ":4); did you mean benchmark.entries[1].model?",
                unknown(suite, ConfigSchemas.benchmark()));
        assertEquals("unknown key benchmark.thresholds.bound-mea (from --set); did you mean benchmark.thresholds.bound-mean?",
                unknown(CONF.resolve("benchmarks/example.conf"), ConfigSchemas.benchmark(), "benchmark.thresholds.bound-mea=0.1"));
        // the suite holds every key of the job commands' configuration too
        Settings s = Settings.load(CONF.resolve("benchmarks/example.conf"), List.of("evaluate.batch-size=7"), ConfigSchemas.benchmark());
        assertEquals(7, s.getInt("evaluate.batch-size"));
    }

    @Test
    void unknownKeysOfSweepFilesInCellsGridAndDefaults(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("sweep.conf");
        String head = "include \"" + CONF.resolve("sweeps/defaults.conf").toAbsolutePath() + "\"\nrun.id = t\nsweep.name = t\n";
        Files.writeString(f, head + "sweep.cells = [\n  { id = a }\n  { id = b }\n  { id = c, clases = 3 }\n]\n");
        assertEquals("unknown key sweep.cells[2].clases (from " + f + ":7); did you mean sweep.cells[2].classes?",
                unknown(f, SweepConfig.schema()));
        Files.writeString(f, head + "sweep.grid { unit = [1, 2] }\n");
        assertEquals("unknown key sweep.grid.unit (from " + f + ":4); did you mean sweep.grid.units?", unknown(f, SweepConfig.schema()));
        Files.writeString(f, head + "sweep.cells = [ { id = a, thesis { mena = 1 } } ]\n");
        assertEquals("unknown key sweep.cells[0].thesis.mena (from " + f + ":4); did you mean sweep.cells[0].thesis.mean?",
                unknown(f, SweepConfig.schema()));
        Path table = CONF.resolve("sweeps/thesis-table-3-1.conf");
        assertEquals("unknown key sweep.default.models (from --set); did you mean sweep.defaults.models?",
                unknown(table, SweepConfig.schema(), "sweep.default.models=3"));
        // a sweep's bound modes are per cell: evaluation.mode is not a sweep key
        assertEquals("unknown key evaluation.mode (from --set); keys of evaluation: attacks, batch-memory, certified, fgs-tolerance, jacobian-tolerance, max-lanczos-steps, precision",
                unknown(table, SweepConfig.schema(), "evaluation.mode=sound"));
        // the cell keys' values as before
        SweepConfig c = SweepConfig.from(Settings.load(table, List.of("sweep.defaults.samples-per-model=7"), SweepConfig.schema()));
        assertEquals(7, c.cells().get(0).samplesPerModel());
    }

    @Test
    void overridesWin() {
        Settings s = Settings.load(CONF.resolve("random-mlp.conf"), List.of("random.models=7", "random.sample-interval=[-2, 3]"),
                ConfigSchemas.randomMlp());
        assertEquals(7, s.getInt("random.models"));
        assertEquals(-2.0, s.getInterval("random.sample-interval")[0]);
    }

    @Test
    void errorsNameFileKeyAndValue(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, "random { units = 0, classes = many, sample-interval = [1, -1] }\n");
        Settings s = Settings.load(f, List.of(), ConfigSchemas.randomMlp());
        ConfigException units = assertThrows(ConfigException.class, () -> s.getInt("random.units", 1));
        assertTrue(units.getMessage().contains("bad.conf") && units.getMessage().contains("random.units must be >= 1, got 0"), units.getMessage());
        ConfigException classes = assertThrows(ConfigException.class, () -> s.getInt("random.classes"));
        assertTrue(classes.getMessage().contains("random.classes must be a whole number, got \"many\""), classes.getMessage());
        ConfigException interval = assertThrows(ConfigException.class, () -> s.getInterval("random.sample-interval"));
        assertTrue(interval.getMessage().contains("random.sample-interval must be an interval [low, high] with low < high, got [1,-1]"),
                interval.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> s.getInt("random.layers"));
        assertTrue(missing.getMessage().contains("random.layers is missing"), missing.getMessage());
    }

    @Test
    void badOverrideNamesKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Settings.load(CONF.resolve("random-mlp.conf"), List.of("random.models"), ConfigSchemas.randomMlp()));
        assertTrue(e.getMessage().contains("--set random.models: expected key=value"), e.getMessage());
        Settings s = Settings.load(CONF.resolve("random-mlp.conf"), List.of("random.models=-3"), ConfigSchemas.randomMlp());
        ConfigException neg = assertThrows(ConfigException.class, () -> s.getInt("random.models", 1));
        assertTrue(neg.getMessage().contains("with --set {random.models=-3}: random.models must be >= 1, got -3"), neg.getMessage());
    }
}
