package io.robustbounds.data;

import io.robustbounds.format.Checksums;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CIFAR-10 binary batches ({@code data_batch_N.bin}, {@code test_batch.bin}) → Parquet test set, without Spark.
 * A batch is a sequence of 3073-byte records: the label byte, then 32×32 red, 32×32 green and 32×32 blue
 * pixels, each plane row-major — exactly the C×H×W row-major order of the test-set schema, so a record's
 * features are its 3072 pixel bytes × scale, shape [3, 32, 32]. Ids run from 0 over the files in the order
 * given. Class names come from {@code batches.meta.txt} beside the first file (one name per line) if it is
 * there, else they are CIFAR-10's ten standard names. A truncated file or a label without a class stops the
 * import naming the file and the record; any previous set stays in place.
 */
public final class CifarImport {
    public static final int SIDE = 32;
    public static final int PIXELS = 3 * SIDE * SIDE;
    public static final int RECORD = 1 + PIXELS;
    public static final String META = "batches.meta.txt";
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
            "ship", "truck");

    public record Config(List<Path> inputs, Path output, double scale, long rowsPerFile) {
        public Config {
            if (inputs == null || inputs.isEmpty()) {
                throw new IllegalArgumentException("no CIFAR-10 batch files given");
            }
            if (!(scale > 0) || Double.isInfinite(scale)) {
                throw new IllegalArgumentException("scale must be a finite number > 0, got " + scale);
            }
            inputs = List.copyOf(inputs);
        }
    }

    /** @param classesFrom the batches.meta.txt used, or null for the standard names */
    public record Outcome(long rows, long[] perClass, TestSetMetadata metadata, Path classesFrom) {
    }

    private CifarImport() {
    }

    public static Outcome run(Config c) throws IOException {
        Path metaFile = c.inputs().get(0).toAbsolutePath().resolveSibling(META);
        List<String> classes = Files.isRegularFile(metaFile) ? classNames(metaFile) : CLASSES;
        // sizes first: a truncated file is refused before anything is written
        List<Map<String, Object>> files = new ArrayList<>();
        long first = 0;
        for (Path f : c.inputs()) {
            long size = Files.size(f);
            if (size == 0) {
                throw new IllegalArgumentException(f + ": empty, expected records of " + RECORD + " bytes (1 label + " + PIXELS + " pixels)");
            }
            if (size % RECORD != 0) {
                long n = size / RECORD;
                throw new IllegalArgumentException(f + ": truncated: record " + n + " (0-based, at byte " + n * RECORD + ") has "
                        + size % RECORD + " of " + RECORD + " bytes (file size " + size + " is not a multiple of " + RECORD + ")");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", f.toString());
            m.put("sha256", Checksums.sha256(f));
            m.put("records", size / RECORD);
            m.put("first_id", first);
            files.add(m);
            first += size / RECORD;
        }
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("files", files);
        source.put("importer", "import-cifar");
        source.put("scale", c.scale());
        source.put("classes_from", Files.isRegularFile(metaFile) ? metaFile.toString() : "CIFAR-10 standard names");
        TestSetMetadata meta = new TestSetMetadata(new long[] {3, SIDE, SIDE}, 0, 255 * c.scale(), classes, source);

        long[] perClass = new long[classes.size()];
        byte[] record = new byte[RECORD];
        double[] features = new double[PIXELS];
        long id = 0;
        try (TestSetWriter w = new TestSetWriter(c.output(), meta, false, c.rowsPerFile())) {
            for (Path f : c.inputs()) {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                    for (long r = 0; ; r++) {
                        int got = in.readNBytes(record, 0, RECORD);
                        if (got == 0) {
                            break;
                        }
                        if (got < RECORD) { // the file changed since its size was checked
                            throw new IllegalArgumentException(f + ": truncated: record " + r + " has " + got + " of " + RECORD + " bytes");
                        }
                        int label = Byte.toUnsignedInt(record[0]);
                        if (label >= classes.size()) {
                            throw new IllegalArgumentException(f + ": record " + r + " has label " + label + ", but there are " + classes.size()
                                    + " classes " + classes);
                        }
                        for (int j = 0; j < PIXELS; j++) {
                            features[j] = Byte.toUnsignedInt(record[1 + j]) * c.scale();
                        }
                        w.write(id++, features, label);
                        perClass[label]++;
                    }
                }
            }
            w.commit();
            return new Outcome(w.rows(), perClass, meta, Files.isRegularFile(metaFile) ? metaFile : null);
        }
    }

    /** The non-blank lines of batches.meta.txt, trimmed. */
    static List<String> classNames(Path metaFile) throws IOException {
        List<String> names = Files.readAllLines(metaFile).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty()) {
            throw new IllegalArgumentException(metaFile + ": no class names (expected one per line)");
        }
        return names;
    }
}
