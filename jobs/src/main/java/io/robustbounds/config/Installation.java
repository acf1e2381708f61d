package io.robustbounds.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tool is installed (the folder holding conf/ and scripts/): the launcher passes it as
 * {@code -Drobustbounds.home}. A relative path to read under {@code conf/} or {@code ../} — a configuration file such as
 * the default {@code conf/robustbounds.conf}, a shipped example model or CSV, the data beside the installation — that
 * does not exist in the working folder but does in the installation is the installation's, so commands work from any
 * folder with the shipped configuration and examples; outputs, and inputs elsewhere, stay relative to the working folder.
 */
public final class Installation {
    /** The system property the launcher sets. */
    public static final String HOME = "robustbounds.home";

    private Installation() {
    }

    /** The installation folder; null when not started by the launcher. */
    public static Path home() {
        String h = System.getProperty(HOME);
        return h == null || h.isBlank() ? null : Path.of(h);
    }

    /**
     * An input path as given, unless it is relative, names what the installation ships or sits beside (it starts with
     * {@code conf/} or {@code ../}), is missing from the working folder and present in the installation: then the
     * installation's. Other paths, such as a run's outputs under {@code runs/}, are never taken from the installation.
     */
    public static String input(String path) {
        Path home = home();
        if (home == null || path.isBlank() || path.contains("://") || !(path.startsWith("conf/") || path.startsWith("../"))) {
            return path;
        }
        Path p = Path.of(path);
        if (p.isAbsolute() || Files.exists(p)) {
            return path;
        }
        Path installed = home.resolve(p);
        return Files.exists(installed) ? installed.toString() : path;
    }
}
