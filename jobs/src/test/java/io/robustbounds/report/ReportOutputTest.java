package io.robustbounds.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.output.OutputException;
import io.robustbounds.output.OutputFolder;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report replaces its own earlier report, and never a folder it did not write. */
class ReportOutputTest {

    @Test
    void replacesItsOwnReportAndRefusesAUsersFolder(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        ReportFixtures.write(spark, dir.resolve("results"), ReportFixtures.random(1, 40, "mlp-a"));
        Path out = dir.resolve("report");
        ReportJob.Config c = new ReportJob.Config(List.of(dir.resolve("results").toString()), null, out, 30, 0, 1000, 480, 270);
        ReportJob.run(spark, c, Fixtures.provenance());
        Files.writeString(out.resolve("stale.png"), "from an older report");
        ReportJob.run(spark, c, Fixtures.provenance());
        assertTrue(Files.exists(out.resolve("report.html")) && Files.exists(out.resolve(OutputFolder.MARKER)));
        assertTrue(Files.notExists(out.resolve("stale.png")), "replaced whole");

        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("index.html"), "my page");
        OutputException e = assertThrows(OutputException.class, () -> ReportJob.run(spark,
                new ReportJob.Config(c.results(), null, mine, 30, 0, 1000, 480, 270), Fixtures.provenance()));
        assertTrue(e.getMessage().startsWith(mine + ": not empty and not a report written by robustbounds (it holds 'index.html'"), e.getMessage());
        assertEquals("my page", Files.readString(mine.resolve("index.html")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("mine", "report", "results"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
