package io.robustbounds.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.testkit.Fixtures;
import io.robustbounds.testkit.LocalSpark;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report end to end: results of three models in two folders (both bound modes) → report → headless Chromium renders it with
 * the network off; every figure must have decoded (the page's render check records each image's natural size), and a screenshot
 * of the page must be a real image. Skipped when /usr/bin/chromium is absent (scripts/install-chromium installs it; scripts/test
 * runs that first, so CI never skips). The screenshot stays in jobs/target/report-test/ for a look.
 */
class ReportChromiumTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void chromiumRendersEveryFigure(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "/usr/bin/chromium is absent: run scripts/install-chromium (scripts/test does)");
        SparkSession spark = LocalSpark.get();
        ReportFixtures.write(spark, dir.resolve("run1/evaluate/results"), ReportFixtures.random(1, 300, "mlp-a", "mlp-b"));
        ReportFixtures.write(spark, dir.resolve("run2/evaluate/results"), ReportFixtures.random(2, 200, "cnn-c"));
        Path out = dir.resolve("report");
        ReportJob.Outcome o = ReportJob.run(spark, new ReportJob.Config(List.of(dir.resolve("run1/evaluate/results").toString(),
                dir.resolve("run2/evaluate/results").toString()), null, out, 30, 4, 10_000, 960, 540), Fixtures.provenance());
        assertEquals(1600, o.rows());
        assertEquals(List.of("cnn-c", "mlp-a", "mlp-b"), o.models().stream().sorted().toList());
        List<String> expected = List.of("fig-deviation-box", "fig-eps-box", "fig-tightness-box", "fig-bound-hist", "fig-eta-hist",
                "fig-robustness", "fig-certified-accuracy", "fig-transitions-0", "fig-transitions-1", "fig-transitions-2", "fig-kappa", "fig-ranking");
        assertEquals(expected, o.figures());
        for (String f : expected) {
            assertTrue(Files.size(out.resolve(f + ".png")) > 5_000, f + ".png");
            String svg = Files.readString(out.resolve(f + ".svg"));
            assertTrue(svg.contains("<svg"), f + ".svg");
        }
        String html = Files.readString(out.resolve("report.html"));
        assertFalse(Pattern.compile("(src|href)=\"(https?:)?//").matcher(html).find(), "nothing is loaded from the network");
        assertTrue(html.contains("paper (not a guarantee)"));
        JsonNode p = new ObjectMapper().readTree(out.resolve("_provenance.json").toFile());
        assertEquals(1600, p.get("rows").asLong());
        assertEquals(2, p.get("inputs").size());

        Path keep = Path.of("target", "report-test");
        Files.createDirectories(keep);
        String dom = chromium(dir, "--dump-dom", out.resolve("report.html"));
        Matcher m = Pattern.compile("<li data-figure=\"([^\"]+)\" data-rendered=\"(yes|no)\">[^ ]+ (\\d+)x(\\d+)</li>").matcher(dom);
        List<String> rendered = new ArrayList<>();
        while (m.find()) {
            assertEquals("yes", m.group(2), m.group(1) + " did not decode");
            assertTrue(Integer.parseInt(m.group(3)) >= 500 && Integer.parseInt(m.group(4)) >= 400, m.group(0));
            rendered.add(m.group(1));
        }
        assertEquals(expected, rendered, "every figure rendered, in order; DOM tail: " + dom.substring(Math.max(0, dom.length() - 2000)));
        assertTrue(dom.contains("data-done=\"true\""));

        Path shot = keep.resolve("report-screenshot.png");
        Files.deleteIfExists(shot);
        chromium(dir, "--screenshot=" + shot.toAbsolutePath(), out.resolve("report.html"));
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(1200, img.getWidth());
        assertTrue(Files.size(shot) > 100_000, "a page of plots, not a blank screenshot: " + Files.size(shot) + " bytes");
        Files.copy(out.resolve("report.html"), keep.resolve("report.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs headless Chromium on a file with a fresh profile and no network; returns its standard output. */
    static String chromium(Path dir, String action, Path html) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(dir, "chromium-profile");
        List<String> cmd = List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--window-size=1200,4200", "--hide-scrollbars", "--virtual-time-budget=5000", action, html.toUri().toString());
        Path stdout = Files.createTempFile(dir, "chromium-stdout", ".html");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(dir.resolve("chromium-stderr.txt").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + cmd);
        }
        assertEquals(0, p.exitValue(), "chromium " + action + ": " + Files.readString(dir.resolve("chromium-stderr.txt")));
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }
}
