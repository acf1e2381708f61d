package io.robustbounds;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The jobs module's package rules (docs/architecture.md), checked on the sources: job packages never use each other;
 * the shared packages (results, spark) use no job package; Spark's internal API is used in the spark package only.
 */
class PackageRulesTest {
    private static final Path SOURCES = Path.of("src/main/java/io/robustbounds");
    private static final List<String> JOBS = List.of("evaluate", "aggregate", "sweep", "benchmark");
    private static final List<String> SHARED = List.of("results", "spark");
    /** Spark's internal (unstable) API: only spark.SparkInternals may use it. */
    private static final List<String> SPARK_INTERNALS = List.of("org.apache.spark.sql.classic", "org.apache.spark.sql.execution",
            "org.apache.spark.sql.catalyst.expressions", "org.apache.spark.sql.catalyst.CatalystTypeConverters",
            "org.apache.spark.sql.catalyst.util.GenericArrayData", "org.apache.spark.sql.internal");
    private static final Pattern OWN = Pattern.compile("io\\.robustbounds\\.([a-z]+)\\.");

    /** Every use of one of our packages in the sources of {@code pkg}, as "File.java → package". */
    private static List<String> uses(String pkg, List<String> forbidden) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(SOURCES.resolve(pkg))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = OWN.matcher(Files.readString(f));
                while (m.find()) {
                    if (forbidden.contains(m.group(1)) && !m.group(1).equals(pkg)) {
                        found.add(pkg + "/" + f.getFileName() + " → " + m.group(1));
                    }
                }
            }
        }
        return found.stream().distinct().toList();
    }

    @Test
    void jobPackagesNeverUseEachOther() throws IOException {
        assertTrue(Files.isDirectory(SOURCES), "run from the jobs module: " + SOURCES.toAbsolutePath());
        List<String> found = new ArrayList<>();
        for (String pkg : JOBS) {
            found.addAll(uses(pkg, JOBS));
        }
        assertTrue(found.isEmpty(), "a job package uses another (shared code belongs in results or spark; the cli wires jobs "
                + "together): " + found);
    }

    @Test
    void sharedPackagesUseNoJobPackage() throws IOException {
        List<String> found = new ArrayList<>();
        for (String pkg : SHARED) {
            found.addAll(uses(pkg, JOBS));
        }
        assertTrue(found.isEmpty(), "results and spark are below the jobs: " + found);
    }

    @Test
    void sparkInternalsOnlyInTheSparkPackage() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.getParent().endsWith("spark")).toList()) {
                String text = Files.readString(f).replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\""); // not in strings (logger names)
                for (String internal : SPARK_INTERNALS) {
                    if (text.contains(internal)) {
                        found.add(SOURCES.relativize(f) + " → " + internal);
                    }
                }
            }
        }
        assertTrue(found.isEmpty(), "Spark internals outside io.robustbounds.spark (use SparkInternals): " + found);
    }
}
