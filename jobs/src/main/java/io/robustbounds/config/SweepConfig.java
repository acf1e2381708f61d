package io.robustbounds.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.robustbounds.bounds.BoundMode;
import io.robustbounds.eval.EvalSettings;
import io.robustbounds.format.Checksums;
import io.robustbounds.model.Activation;
import io.robustbounds.random.RandomMlp;
import io.robustbounds.random.Seeds;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A sweep file of {@code conf/sweeps/} read into typed cells. Cells come from {@code sweep.cells} (a list of
 * objects) and/or {@code sweep.grid} (the cartesian product of the listed values of some cell keys); every key a
 * cell or the grid leaves out comes from {@code sweep.defaults}. Errors name the file, the key (with the cell's
 * position, e.g. {@code sweep.cells[2].classes}) and the value.
 *
 * @param name          the sweep's name (titles)
 * @param seed          the sweep seed; a cell's generator seed is derived from (its seed, its id)
 * @param modelsPerUnit models per work unit: the unit of parallelism, of commit and of resume
 * @param modelsPerStack models evaluated as one [m, N, d] stack inside a unit (results do not depend on it)
 * @param partitions    Spark partitions of the work units; 0: one unit per task
 * @param writeModels   also write every generated model and its samples (folder per unit, local file systems)
 * @param cells         the cells, in file order (list first, then the grid)
 * @param runOutput     outputs go to {@code <runOutput>/<runId>/sweep/}
 * @param master        Spark master when not under spark-submit
 * @param failAfterUnits tests only: a task throws after committing this many units (0: never), to simulate a kill
 * @param batchMemory   working memory of the certified mode's bound propagations ({@code evaluation.batch-memory})
 * @param certification the certified mode's search ({@code evaluation.certified}), for cells with that mode
 * @param attacks       FGS and the attacks after it ({@code evaluation.attacks}): the bounds' deviations and violations
 *                      are taken against the smallest perturbation found; the ε statistics stay FGS's
 */
public record SweepConfig(String name, long seed, int modelsPerUnit, int modelsPerStack, int partitions, boolean writeModels,
                          String precision, double jacobianTolerance, int maxLanczosSteps, double fgsTolerance,
                          List<Cell> cells, String runOutput, String runId, String master, int failAfterUnits, long batchMemory,
                          EvalSettings.Certification certification, List<String> attacks) implements Serializable {

    /** The keys a cell may set, in the order they are hashed and shown. */
    public static final List<String> CELL_KEYS = List.of("samples-per-model", "input-size", "models", "layers", "units", "classes",
            "activation", "sample-interval", "parameter-interval", "fgs-upper", "seed", "modes");

    /**
     * One row of a sweep table: {@code models} random models of one architecture, {@code samplesPerModel} samples each.
     * {@code thesisMean/Median/Std} are the thesis' figures for this row (NaN when none), shown beside ours.
     */
    public record Cell(String id, String label, int samplesPerModel, int inputSize, long models, int layers, int units, int classes,
                       Activation activation, double sampleLow, double sampleHigh, double paramLow, double paramHigh, double fgsUpper,
                       long seed, List<BoundMode> modes, double thesisMean, double thesisMedian, double thesisStd) implements Serializable {

        public RandomMlp spec() {
            return RandomMlp.of(inputSize, layers, units, activation, classes, paramLow, paramHigh, sampleLow, sampleHigh);
        }

        /** The generator seed of this cell: (its seed, its id) mixed, so cells are independent and reordering them changes nothing. */
        public long generatorSeed() {
            long h = 0xcbf29ce484222325L; // FNV-1a over the id's bytes: stable across JVMs, unlike String.hashCode's spread
            for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
                h = (h ^ (b & 0xff)) * 0x100000001b3L;
            }
            return Seeds.generator(seed, 0x43454c4cL, h).nextLong();
        }

        public long samples() {
            return models * samplesPerModel;
        }

        /** Everything that decides this cell's results, as one canonical line (for the config hash). */
        String canonical() {
            return String.join("|", id, Integer.toString(samplesPerModel), Integer.toString(inputSize), Long.toString(models),
                    Integer.toString(layers), Integer.toString(units), Integer.toString(classes), activation.id(), hex(sampleLow),
                    hex(sampleHigh), hex(paramLow), hex(paramHigh), hex(fgsUpper), Long.toString(seed), BoundMode.ids(modes));
        }

        public String interval(double lo, double hi) {
            return "[" + num(lo) + ", " + num(hi) + "]";
        }

        public String architecture() {
            return layers == 0 ? "linear" : layers + "×" + units + " " + activation.id();
        }
    }

    /** Appended to "is missing" in a cell's messages: a cell takes what it leaves out from sweep.defaults. */
    private static final String MISSING_IN_CELL = " (set it in the cell or in sweep.defaults)";

    /**
     * The keys a sweep file may hold: those of conf/sweeps/defaults.conf (run, spark, evaluation, sweep's own settings)
     * and the declared ones: run.id, sweep.name, the cell keys ({@link #CELL_KEYS}) in sweep.defaults, in each element of
     * sweep.cells (with id, label, thesis) and as lists in sweep.grid.
     */
    public static Config schema() {
        Map<String, Object> cellKeys = new LinkedHashMap<>();
        CELL_KEYS.forEach(k -> cellKeys.put(k, ""));
        Map<String, Object> defaults = new LinkedHashMap<>(cellKeys);
        defaults.put("label", "");
        defaults.put("thesis", Map.of("mean", 0, "median", 0, "std", 0));
        Map<String, Object> listed = new LinkedHashMap<>(defaults);
        listed.put("id", "");
        Map<String, Object> declared = new LinkedHashMap<>();
        declared.put("run.id", "");
        declared.put("sweep.name", "");
        declared.put("sweep.test-fail-after-units", 0);
        declared.put("sweep.defaults", defaults);
        declared.put("sweep.cells", List.of(listed));
        declared.put("sweep.grid", cellKeys);
        return ConfigFactory.parseMap(declared).withFallback(ConfigSchemas.shipped("sweeps/defaults.conf"));
    }

    /** Reads a sweep file loaded with {@link #schema()} (so every key it holds is one read here). */
    public static SweepConfig from(Settings s) {
        String src = s.source();
        if (!s.hasPath("sweep")) {
            throw new ConfigException(src + ": sweep is missing (a sweep file declares sweep.defaults and sweep.cells and/or sweep.grid)");
        }
        long seed = s.getLong("sweep.seed");
        int perUnit = s.getInt("sweep.models-per-unit", 1);
        int perStack = s.getInt("sweep.models-per-stack", 1);
        int partitions = s.getInt("sweep.partitions", 0);
        String precision = s.getString("evaluation.precision").toLowerCase(Locale.ROOT);
        if (!precision.equals("float") && !precision.equals("double")) {
            throw s.invalid("evaluation.precision", "must be float or double");
        }
        Config defaults = s.hasPath("sweep.defaults") ? s.getConfig("sweep.defaults") : ConfigFactory.empty();
        List<Cell> cells = new ArrayList<>();
        if (s.hasPath("sweep.cells")) {
            List<ConfigReader> list = s.getObjectList("sweep.cells");
            for (int i = 0; i < list.size(); i++) {
                ConfigReader c = list.get(i);
                String id = c.hasPath("id") ? c.getString("id") : Integer.toString(i + 1);
                cells.add(cell(s.nested(c.config().withFallback(defaults), c.where(), MISSING_IN_CELL), id, seed));
            }
        }
        if (s.hasPath("sweep.grid")) {
            cells.addAll(grid(s, s.getConfig("sweep.grid"), defaults, seed));
        }
        if (cells.isEmpty()) {
            throw new ConfigException(src + ": the sweep has no cells (give sweep.cells and/or sweep.grid)");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (Cell c : cells) {
            if (!ids.add(c.id())) {
                throw new ConfigException(src + ": cell id '" + c.id() + "' appears twice; ids must be unique");
            }
        }
        // the certified mode's keys came after the first sweep files: one that does not include the shipped defaults gets them
        ConfigReader certified = s.nested(s.config().withFallback(ConfigSchemas.shipped("sweeps/defaults.conf").withOnlyPath("evaluation")), "", "");
        String runId = s.getString("run.id");
        if (!runId.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw s.invalid("run.id", "must be letters, digits, '.', '_' or '-'");
        }
        return new SweepConfig(s.getString("sweep.name"), seed, perUnit, Math.min(perStack, perUnit), partitions,
                s.getBoolean("sweep.write-models"), precision, s.getDouble("evaluation.jacobian-tolerance", 0, 1),
                s.getInt("evaluation.max-lanczos-steps", 1), s.getDouble("evaluation.fgs-tolerance", 0, 1), List.copyOf(cells),
                s.getString("run.output"), runId, s.sparkMaster(),
                s.getIntOr("sweep.test-fail-after-units", 0, 0), EvaluationSettings.batchMemory(certified), EvaluationSettings.certification(certified),
                EvaluationSettings.attacks(certified));
    }

    /** The cartesian product of the grid's lists, in the order of {@link #CELL_KEYS}; ids name the varied values. */
    private static List<Cell> grid(Settings s, Config grid, Config defaults, long seed) {
        List<String> keys = new ArrayList<>();
        List<List<ConfigValue>> values = new ArrayList<>();
        for (String k : CELL_KEYS) {
            if (grid.hasPath(k)) {
                ConfigValue v = grid.getValue(k);
                if (!(v instanceof com.typesafe.config.ConfigList l) || l.isEmpty()) {
                    throw new ConfigException(s.source() + ": sweep.grid." + k + " must be a non-empty list of values, got "
                            + v.render(ConfigRenderOptions.concise()));
                }
                keys.add(k);
                values.add(new ArrayList<>(l));
            }
        }
        List<Cell> out = new ArrayList<>();
        int[] at = new int[keys.size()];
        while (true) {
            Map<String, Object> chosen = new LinkedHashMap<>();
            List<String> name = new ArrayList<>();
            for (int k = 0; k < keys.size(); k++) {
                ConfigValue v = values.get(k).get(at[k]);
                chosen.put(keys.get(k), v.unwrapped());
                name.add(keys.get(k) + "=" + v.render(ConfigRenderOptions.concise()).replace("\"", ""));
            }
            String id = name.isEmpty() ? "grid" : String.join(",", name);
            Config c = ConfigValueFactory.fromMap(chosen).toConfig().withFallback(defaults);
            out.add(cell(s.nested(c, "sweep.grid[" + id + "]", MISSING_IN_CELL), id, seed));
            int k = keys.size() - 1;
            while (k >= 0 && ++at[k] == values.get(k).size()) {
                at[k--] = 0;
            }
            if (k < 0) {
                return out;
            }
        }
    }

    private static Cell cell(ConfigReader n, String id, long sweepSeed) {
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._=,\\[\\] +-]*")) {
            throw n.invalid("id", "must start with a letter or digit and hold only letters, digits and . _ = , [ ] + - or spaces");
        }
        int layers = n.getInt("layers", 0);
        Activation activation;
        try {
            activation = Activation.parse(n.getString("activation"), n.path("activation"));
        } catch (RuntimeException e) {
            throw n.invalid("activation", "must be one of tanh, sigmoid, softplus, relu, identity");
        }
        List<BoundMode> modes;
        try {
            modes = BoundMode.parseList(n.getString("modes"));
        } catch (IllegalArgumentException e) {
            throw n.invalid("modes", "must be " + BoundMode.EXPECTED);
        }
        double[] samples = n.getInterval("sample-interval");
        double[] params = n.getInterval("parameter-interval");
        double upper = n.getDouble("fgs-upper");
        if (!(upper > 0 && Double.isFinite(upper))) {
            throw n.invalid("fgs-upper", "must be positive");
        }
        long models = n.hasPath("models") ? n.getLong("models", 1) : 0;
        if (models < 1) {
            throw n.invalid("models", "must be >= 1");
        }
        return new Cell(id, n.getStringOr("label", id), n.getInt("samples-per-model", 1),
                n.getInt("input-size", 1), models, layers, layers == 0 ? 0 : n.getInt("units", 1), n.getInt("classes", 2), activation,
                samples[0], samples[1], params[0], params[1], upper, n.hasPath("seed") ? n.getLong("seed") : sweepSeed, modes,
                n.getDoubleOr("thesis.mean", Double.NaN), n.getDoubleOr("thesis.median", Double.NaN), n.getDoubleOr("thesis.std", Double.NaN));
    }

    /** All bound modes of any cell, paper first. */
    public List<BoundMode> allModes() {
        List<BoundMode> out = new ArrayList<>();
        for (BoundMode m : BoundMode.values()) {
            if (cells.stream().anyMatch(c -> c.modes().contains(m))) {
                out.add(m);
            }
        }
        return out;
    }

    public long totalModels() {
        return cells.stream().mapToLong(Cell::models).sum();
    }

    public long totalSamples() {
        return cells.stream().mapToLong(Cell::samples).sum();
    }

    public DataType dataType() {
        return precision.equals("double") ? DataType.DOUBLE : DataType.FLOAT;
    }

    /** The evaluation settings of one cell (its U and bound modes; the sweep's attacks). */
    public EvalSettings evalSettings(Cell c) {
        return new EvalSettings(dataType(), c.modes(), jacobianTolerance, maxLanczosSteps, c.fgsUpper(), fgsTolerance,
                batchMemory, attacks, certification);
    }

    /**
     * SHA-256 of everything that decides the committed units: the seed, the unit size, the evaluation settings and
     * every cell, the certified search's settings when a cell has that mode, and the attacks when there are more than FGS. Partitions, stack size, write-models,
     * the master, the batch memory and the thesis' reference numbers may change between a run and its resume (the
     * results do not depend on them).
     */
    public String hash() {
        StringBuilder b = new StringBuilder("robustbounds-sweep-v1\n");
        b.append(seed).append('|').append(modelsPerUnit).append('|').append(precision).append('|').append(hex(jacobianTolerance))
                .append('|').append(maxLanczosSteps).append('|').append(hex(fgsTolerance)).append('\n');
        for (Cell c : cells) {
            b.append(c.canonical()).append('\n');
        }
        if (cells.stream().anyMatch(c -> c.modes().contains(BoundMode.CERTIFIED))) {
            b.append("certified|").append(hex(certification.tolerance())).append('|').append(certification.maxSteps()).append('|')
                    .append(hex(certification.radius())).append('|').append(certification.branching()).append('\n');
        }
        EvalSettings any = evalSettings(cells.get(0));       // the attacks as every cell runs them: FGS first, each once
        if (any.strongAttacks()) {
            b.append("attacks|").append(String.join(",", any.attacks())).append('\n');
        }
        return Checksums.sha256(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(double v) {
        return Double.toHexString(v);
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
