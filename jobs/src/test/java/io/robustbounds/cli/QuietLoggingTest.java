package io.robustbounds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.util.Properties;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;

/** No warnings from Spark or Hadoop on the console: errors only, from the shipped configuration and from Main alike. */
class QuietLoggingTest {

    @Test
    void theShippedConfigurationAndMainKeepErrorsOnly() throws Exception {
        Properties shipped = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/log4j2.properties")) {
            shipped.load(in);
        }
        assertEquals("error", shipped.getProperty("rootLogger.level"));
        assertEquals("SYSTEM_ERR", shipped.getProperty("appender.console.target"), "errors stay visible, on standard error");

        Level before = LogManager.getRootLogger().getLevel();
        try {
            Main.quietLogging(false);
            assertEquals(Level.ERROR, LogManager.getRootLogger().getLevel());
            assertEquals(Level.ERROR, LogManager.getLogger("org.apache.spark.sql.catalyst.util.SparkStringUtils").getLevel());
            assertEquals(Level.OFF, LogManager.getLogger("org.apache.spark.executor.Executor").getLevel(), "a failed task's trace: the error line says it");
            Main.quietLogging(true);
            assertEquals(Level.WARN, LogManager.getRootLogger().getLevel(), "ROBUSTBOUNDS_DEBUG=1 shows the warnings");
        } finally {
            Configurator.setRootLevel(before);
            Main.TASK_FAILURE_LOGGERS.forEach(l -> Configurator.setLevel(l, before));
        }
    }
}
