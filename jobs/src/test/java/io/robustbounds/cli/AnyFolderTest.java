package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.robustbounds.config.Installation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands work from any folder: the tests run in jobs/, which has no conf/; with the installation known
 * (-Drobustbounds.home, as scripts/robustbounds passes it) the default configuration and the shipped example it names are
 * the installation's; outputs stay where they are given.
 */
class AnyFolderTest {
    @Test
    void defaultConfigurationAndExamplesComeFromTheInstallation(@TempDir Path dir) throws Exception {
        assertFalse(Files.exists(Path.of("conf/robustbounds.conf")), "the test runs outside the installation's root");
        Path out = dir.resolve("set");
        String saved = System.getProperty(Installation.HOME);
        System.setProperty(Installation.HOME, Path.of("..").toAbsolutePath().normalize().toString());
        try {
            MainErrorsTest.Run r = MainErrorsTest.run("import-csv", "--set", "import-csv.output=\"" + out + "\"");
            assertEquals(0, r.code(), String.join("\n", r.err()));
            assertTrue(Files.list(out).anyMatch(p -> p.getFileName().toString().endsWith(".parquet")), "conf/examples/blobs.csv imported");
            assertEquals(Path.of("..").toAbsolutePath().normalize().resolve("conf/examples/blobs-model").toString(),
                    Installation.input("conf/examples/blobs-model"));
            assertEquals("runs/no-such-set", Installation.input("runs/no-such-set"), "missing in both: as given");
        } finally {
            if (saved == null) {
                System.clearProperty(Installation.HOME);
            } else {
                System.setProperty(Installation.HOME, saved);
            }
        }
        MainErrorsTest.Run without = MainErrorsTest.run("import-csv", "--set", "import-csv.output=\"" + out + "\"");
        assertEquals(2, without.code());
        assertEquals(java.util.List.of("error: conf/robustbounds.conf: configuration file not found"), without.err(),
                "without the installation: the working folder only, as before");
    }
}
