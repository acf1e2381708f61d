package io.robustbounds.data;

import io.robustbounds.format.Checksums;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * MNIST-style IDX files → Parquet test set, without Spark. Images: magic 2051 (unsigned bytes, N×rows×cols),
 * stored as features of shape [1, rows, cols] with value pixel·scale. Labels (optional): magic 2049 (unsigned
 * bytes, N). Either file may be gzipped (detected by its magic bytes). Ids are the 0-based image index.
 * Images are streamed one at a time; a file that turns out bad leaves any previous set in place.
 */
public final class IdxImport {
    static final int IMAGES_MAGIC = 0x0803;
    static final int LABELS_MAGIC = 0x0801;
    private static final int UNSIGNED_BYTE = 0x08;

    /** {@code labels} may be null (unlabelled set). */
    public record Config(Path images, Path labels, Path output, double scale, long rowsPerFile) {
    }

    public record Outcome(long rows, TestSetMetadata metadata) {
    }

    private IdxImport() {
    }

    public static Outcome run(Config c) throws IOException {
        if (!(c.scale() > 0) || !Double.isFinite(c.scale())) {
            throw new IllegalArgumentException("scale must be a finite number > 0, got " + c.scale());
        }
        // labels are small (one byte per image): read them whole first, so classes are known for the metadata
        byte[] labels = c.labels() == null ? null : readLabels(c.labels());
        try (DataInputStream in = open(c.images())) {
            int[] dims = header(in, c.images(), IMAGES_MAGIC, 3, "images");
            long n = Integer.toUnsignedLong(dims[0]);
            int rows = dims[1];
            int cols = dims[2];
            if (dims[0] < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(c.images() + ": unusable dimensions " + n + "×" + Integer.toUnsignedLong(rows) + "×"
                        + Integer.toUnsignedLong(cols));
            }
            if (labels != null && labels.length != n) {
                throw new IllegalArgumentException(c.images() + " has " + n + " images but " + c.labels() + " has " + labels.length + " labels");
            }
            int max = -1;
            if (labels != null) {
                for (byte b : labels) {
                    max = Math.max(max, Byte.toUnsignedInt(b));
                }
            }
            List<String> classes = new ArrayList<>();
            for (int k = 0; labels != null && k <= Math.max(9, max); k++) {
                classes.add(String.valueOf(k));
            }
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("images", c.images().toString());
            source.put("images_sha256", Checksums.sha256(c.images()));
            if (c.labels() != null) {
                source.put("labels", c.labels().toString());
                source.put("labels_sha256", Checksums.sha256(c.labels()));
            }
            source.put("importer", "import-idx");
            source.put("scale", c.scale());
            TestSetMetadata meta = new TestSetMetadata(new long[] {1, rows, cols}, 0, 255 * c.scale(), classes, source);

            int size = rows * cols;
            byte[] pixels = new byte[size];
            double[] features = new double[size];
            try (TestSetWriter w = new TestSetWriter(c.output(), meta, false, c.rowsPerFile())) {
                for (long i = 0; i < n; i++) {
                    int got = fill(in, pixels);
                    if (got < size) {
                        throw new IllegalArgumentException(c.images() + ": expected " + n * size + " bytes of pixels for " + n + "×" + rows + "×"
                                + cols + ", file ends after " + (i * size + got));
                    }
                    for (int j = 0; j < size; j++) {
                        features[j] = Byte.toUnsignedInt(pixels[j]) * c.scale();
                    }
                    w.write(i, features, labels == null ? null : Byte.toUnsignedInt(labels[(int) i]));
                }
                if (more(in, c.images())) {
                    throw new IllegalArgumentException(c.images() + ": data after the " + n * size + " bytes of pixels for " + n + "×" + rows
                            + "×" + cols);
                }
                w.commit();
                return new Outcome(w.rows(), meta);
            }
        }
    }

    private static byte[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int n = header(in, file, LABELS_MAGIC, 1, "labels")[0];
            if (n < 0) {
                throw new IllegalArgumentException(file + ": unusable label count " + Integer.toUnsignedLong(n));
            }
            byte[] labels = new byte[n];
            int got = fill(in, labels);
            if (got < n) {
                throw new IllegalArgumentException(file + ": expected " + n + " bytes of labels, file ends after " + got);
            }
            if (more(in, file)) {
                throw new IllegalArgumentException(file + ": data after the " + n + " bytes of labels");
            }
            return labels;
        }
    }

    /** Checks the magic number and returns the dimensions. */
    private static int[] header(DataInputStream in, Path file, int magic, int rank, String what) throws IOException {
        String expected = "expected magic " + magic + " (0x" + String.format("%08x", magic) + ": " + what + ", unsigned bytes, "
                + dimensions(rank) + ")";
        try {
            int m = in.readInt();
            if ((m >>> 16) != 0) {
                throw new IllegalArgumentException(file + ": not an IDX file, " + expected + ", got 0x" + String.format("%08x", m));
            }
            int type = (m >>> 8) & 0xff;
            if (type != UNSIGNED_BYTE) {
                throw new IllegalArgumentException(file + ": unsupported IDX data type 0x" + String.format("%02x", type) + " (" + typeName(type)
                        + "), only unsigned byte (0x08) is supported");
            }
            if (m != magic) {
                throw new IllegalArgumentException(file + ": " + expected + ", got " + m + " (" + dimensions(m & 0xff) + ")");
            }
            int[] dims = new int[rank];
            for (int k = 0; k < rank; k++) {
                dims[k] = in.readInt();
            }
            return dims;
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": file ends inside the IDX header");
        }
    }

    private static String dimensions(int rank) {
        return rank + (rank == 1 ? " dimension" : " dimensions");
    }

    /** Reads until {@code buf} is full or the data ends (a cut-off gzip stream counts as the end); returns the bytes read. */
    private static int fill(InputStream in, byte[] buf) throws IOException {
        int got = 0;
        try {
            for (int r; got < buf.length && (r = in.read(buf, got, buf.length - got)) >= 0; ) {
                got += r;
            }
        } catch (EOFException e) {
            // GZIPInputStream: the compressed stream stops early
        }
        return got;
    }

    /** Whether data follows; a gzip stream cut off in its trailer is an error. */
    private static boolean more(InputStream in, Path file) throws IOException {
        try {
            return in.read() >= 0;
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": the gzip stream is cut short after the data");
        }
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0b -> "short";
            case 0x0c -> "int";
            case 0x0d -> "float";
            case 0x0e -> "double";
            default -> "unknown";
        };
    }

    /** Opens {@code file}, decompressing it if it starts with the gzip magic bytes 1f 8b. */
    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
        raw.reset();
        return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    }
}
