package io.robustbounds.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads what the driver must know of a test set before any work starts: every file's footer is opened, its
 * columns checked and its metadata read. Errors name the file and the column.
 */
public final class TestSets {
    private TestSets() {
    }

    /**
     * What the footers say: the metadata all files agree on, and the Parquet types of the three columns when every
     * file has the same ones ({@code columns} is null otherwise); {@code filesByColumns}: the files by their column
     * types (one entry when {@code columns} is not null), so that a reader can read each kind with its own schema
     * (float and double features in one set); {@code rowsByFile}: every file's row count as its footer gives it (in the
     * order of the files).
     */
    public record Footers(TestSetMetadata metadata, MessageType columns, Map<MessageType, List<String>> filesByColumns,
                          Map<String, Long> rowsByFile) {
        /** All rows of all files. */
        public long rows() {
            return rowsByFile.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * The data files of a test set as Spark lists them: the path itself if it is a file, else the folder's files whose
     * names start with neither '_' nor '.' (so {@code _SUCCESS}, {@code _rejects.csv} and checksum files are left out).
     */
    public static List<String> files(String testSet, Configuration conf) {
        Path p = new Path(testSet);
        try {
            FileSystem fs = p.getFileSystem(conf);
            FileStatus status = fs.getFileStatus(p);
            if (!status.isDirectory()) {
                return List.of(status.getPath().toString());
            }
            List<String> files = new ArrayList<>();
            for (FileStatus f : fs.listStatus(p)) {
                String name = f.getPath().getName();
                if (name.startsWith("_") || name.startsWith(".")) {
                    continue;
                }
                if (f.isDirectory()) {
                    throw new IllegalArgumentException(testSet + ": cannot read the test set (sub-folder " + name
                            + "; a test set is a folder of Parquet files)");
                }
                files.add(f.getPath().toString());
            }
            files.sort(null);
            return files;
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException(testSet + ": cannot read the test set (no such file or folder)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(testSet + ": cannot read the test set (" + e.getMessage() + ")", e);
        }
    }

    /** The metadata all files agree on; throws naming the first file that is unreadable, lacks a column or disagrees. */
    public static TestSetMetadata inspect(List<String> files, Configuration conf) {
        return footers(files, conf).metadata();
    }

    /** {@link #inspect}, and the column types of the files: one pass over the footers. */
    public static Footers footers(List<String> files, Configuration conf) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("test set has no Parquet files");
        }
        TestSetMetadata first = null;
        String firstFile = null;
        MessageType columns = null;
        Map<MessageType, List<String>> byColumns = new LinkedHashMap<>();
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String f : files) {
            Map<String, String> kv;
            MessageType schema;
            try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(f), conf))) {
                kv = r.getFooter().getFileMetaData().getKeyValueMetaData();
                schema = r.getFooter().getFileMetaData().getSchema();
                rows.put(f, r.getRecordCount());
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(f + ": not a readable Parquet file (" + e.getMessage() + ")", e);
            }
            for (String column : List.of(TestSetSchema.ID, TestSetSchema.FEATURES, TestSetSchema.LABEL)) {
                if (!schema.containsField(column)) {
                    throw new IllegalArgumentException(f + ": column '" + column + "' is missing (columns: " + schema.getFields().stream()
                            .map(t -> t.getName()).toList() + ")");
                }
            }
            requireInteger(f, schema.getType(TestSetSchema.ID), "long (or int)");
            requireFeatures(f, schema.getType(TestSetSchema.FEATURES));
            requireInteger(f, schema.getType(TestSetSchema.LABEL), "int (or long), nullable");
            String json = kv.get(TestSetMetadata.KEY);
            if (json == null) {
                throw new IllegalArgumentException(f + ": footer metadata '" + TestSetMetadata.KEY + "' (shape, range, classes) is missing");
            }
            TestSetMetadata m = TestSetMetadata.fromJson(json, f);
            MessageType own = new MessageType(schema.getName(), Arrays.asList(schema.getType(TestSetSchema.ID),
                    schema.getType(TestSetSchema.FEATURES), schema.getType(TestSetSchema.LABEL)));
            if (first == null) {
                first = m;
                firstFile = f;
                columns = own;
            }
            byColumns.computeIfAbsent(own, k -> new ArrayList<>()).add(f);
            if (first != m && (!Arrays.equals(first.shape(), m.shape()) || first.low() != m.low() || first.high() != m.high()
                    || !first.classes().equals(m.classes()))) {
                throw new IllegalArgumentException(f + ": metadata " + m.toJson() + " disagrees with " + firstFile + ": " + first.toJson());
            }
        }
        return new Footers(first, byColumns.size() == 1 ? columns : null, byColumns, rows);
    }

    /** Whole numbers: an INT32 or INT64 column without another meaning (not a date, time or decimal). */
    private static void requireInteger(String file, Type t, String expected) {
        if (t.isRepetition(Type.Repetition.REPEATED) || !isInteger(t)) {
            throw new IllegalArgumentException(file + ": column '" + t.getName() + "' must be " + expected + ", found: " + t);
        }
    }

    private static boolean isInteger(Type t) {
        if (!t.isPrimitive()) {
            return false;
        }
        PrimitiveType.PrimitiveTypeName p = t.asPrimitiveType().getPrimitiveTypeName();
        LogicalTypeAnnotation a = t.getLogicalTypeAnnotation();
        return (p == PrimitiveType.PrimitiveTypeName.INT32 || p == PrimitiveType.PrimitiveTypeName.INT64)
                && (a == null || a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation);
    }

    /**
     * An array of numbers: a list (the standard 3-level one, or a legacy 2-level repeated field) of FLOAT or DOUBLE
     * elements, or of whole numbers, which readers widen to double.
     */
    private static void requireFeatures(String file, Type t) {
        Type element = null;
        if (!t.isPrimitive() && t.asGroupType().getFieldCount() == 1 && t.asGroupType().getType(0).isRepetition(Type.Repetition.REPEATED)) {
            Type repeated = t.asGroupType().getType(0);
            element = repeated.isPrimitive() ? repeated : repeated.asGroupType().getFieldCount() == 1 ? repeated.asGroupType().getType(0) : null;
        }
        boolean ok = element != null && element.isPrimitive() && (isInteger(element) || element.getLogicalTypeAnnotation() == null
                && (element.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FLOAT
                || element.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.DOUBLE));
        if (!ok) {
            throw new IllegalArgumentException(file + ": column '" + t.getName() + "' must be an array of float or double, found: "
                    + t.toString().replaceAll("\\s+", " ").trim());
        }
    }
}
