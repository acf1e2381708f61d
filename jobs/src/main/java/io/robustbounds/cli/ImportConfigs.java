package io.robustbounds.cli;

import io.robustbounds.config.Settings;
import io.robustbounds.data.CsvImport;
import io.robustbounds.data.IdxImport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The importers' configurations (import-csv, import-idx: no Spark) read from a {@link Settings}; errors name the file, the key and the value. */
final class ImportConfigs {
    private ImportConfigs() {
    }

    static CsvImport.Config importCsv(Settings s) {
        List<String> classes = s.getStringList("import-csv.classes");
        List<Double> range = s.getDoubleList("import-csv.range");
        if (!range.isEmpty() && (range.size() != 2 || !(range.get(0) < range.get(1)))) {
            throw s.invalid("import-csv.range", "must be empty or [low, high] with low < high");
        }
        long rowsPerFile = s.getInt("import-csv.rows-per-file", 1);
        return new CsvImport.Config(Path.of(s.getInputPath("import-csv.input")), Path.of(s.getString("import-csv.output")),
                s.getBoolean("import-csv.header"), s.getString("import-csv.delimiter"), s.getString("import-csv.label-column"),
                classes, range.isEmpty() ? null : new double[] {range.get(0), range.get(1)}, rowsPerFile,
                precision(s, "import-csv.precision"));
    }

    static IdxImport.Config importIdx(Settings s) {
        String images = s.getInputPath("import-idx.images");
        if (images.isBlank()) {
            throw s.invalid("import-idx.images", "must name the IDX images file");
        }
        String labels = s.getInputPath("import-idx.labels");
        String output = s.getString("import-idx.output");
        if (output.isBlank()) {
            throw s.invalid("import-idx.output", "must name the test-set folder");
        }
        double scale = s.getDouble("import-idx.scale");
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw s.invalid("import-idx.scale", "must be a finite number > 0");
        }
        return new IdxImport.Config(Path.of(images), labels.isBlank() ? null : Path.of(labels), Path.of(output), scale,
                s.getInt("import-idx.rows-per-file", 1));
    }

    private static boolean precision(Settings s, String key) {
        return switch (s.getString(key).toLowerCase(Locale.ROOT)) {
            case "float" -> false;
            case "double" -> true;
            default -> throw s.invalid(key, "must be float or double");
        };
    }
}
