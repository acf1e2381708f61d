package io.robustbounds.cli;

import io.robustbounds.config.ConfigException;
import io.robustbounds.model.ModelException;
import java.io.FileNotFoundException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line: one jar, one entry point, a subcommand per job. */
@Command(name = "robustbounds", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Lower bounds on the robustness to adversarial perturbations (Peck et al., NIPS 2017), "
                + "checked against fast-gradient-sign attacks.",
        subcommands = {JobCommands.Pipeline.class, JobCommands.ImportCsv.class, JobCommands.ImportIdx.class, ImportUciCommand.class, ImportCifarCommand.class, ImportCaffeCommand.class, JobCommands.Evaluate.class, JobCommands.Aggregate.class,
                AccuracyCommand.class, TrainCommand.class, BenchmarkCommand.class, ReportCommand.class, ScalingCommand.class, PlotCommand.class,
                RandomMlpCommand.class, SweepCommand.class, GenerateCommands.RandomModel.class, GenerateCommands.RandomTestSet.class, BenchCommand.class, CompareCommand.class, SparkCheckCommand.class})
public final class Main {
    /** Exit code of bad input or configuration: nothing was written, or the bad rows went to a rejects output. */
    public static final int BAD_INPUT = 2;
    /**
     * Exit code of a failure of the run itself (I/O such as a full disk, a bug): 3, apart from 1, which commands return
     * for a finding of a run that worked (a benchmark alert, a sweep's violations, outputs that differ, accuracy below
     * its minimum), so that a nightly job tells a regression from a broken run.
     */
    public static final int RUN_FAILED = 3;
    /** Set to 1, errors also print their stack trace. */
    public static final String DEBUG = "ROBUSTBOUNDS_DEBUG";

    /**
     * Spark's loggers that print a failed task's stack trace as the job fails; the error line says it once, and
     * {@value #DEBUG}=1 shows them again.
     */
    static final List<String> TASK_FAILURE_LOGGERS = List.of("org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
            "org.apache.spark.sql.execution.datasources.FileFormatWriter");

    public static void main(String[] args) {
        quietLogging("1".equals(System.getenv(DEBUG)));
        System.exit(run(args));
    }

    /**
     * Errors only from Spark, Hadoop and the rest (as the shipped log4j2.properties says, which spark-submit may replace by its
     * own), no failed task's stack trace; with {@code debug}, warnings and those traces too.
     */
    static void quietLogging(boolean debug) {
        Configurator.setRootLevel(debug ? Level.WARN : Level.ERROR);
        if (!debug) {
            TASK_FAILURE_LOGGERS.forEach(l -> Configurator.setLevel(l, Level.OFF));
        }
    }

    /** Runs the command line and returns the exit code; every error is one line on standard error ({@link #report}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // every subcommand's -V / --version says the same (they printed nothing)
        cli.getSubcommands().values().forEach(c -> c.getCommandSpec().versionProvider(new Version()));
        ConfigHelp.install(cli);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, commandLine.getErr()));
        // a wrong option: the error and where to look, not the whole help with its configuration keys
        cli.setParameterExceptionHandler((e, ignored) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("error: " + e.getMessage());
            c.getErr().println("(" + c.getCommandSpec().qualifiedName() + " --help lists the options and configuration keys)");
            return BAD_INPUT;
        });
        try {
            return cli.execute(args);
        } catch (RuntimeException | Error e) { // what escapes picocli's handler (an Error such as a native library that cannot load)
            return report(e, cli.getErr());
        }
    }

    /**
     * The one place errors become exit codes: anywhere in the cause chain (Spark wraps task failures, futures their
     * steps) a configuration, model or input error ({@link #isBadInput}) gives {@value #BAD_INPUT} and its message;
     * anything else {@value #RUN_FAILED} and the message of the first exception that is not a mere wrapper. One line
     * {@code error: ...} on {@code err}; the stack trace too when {@value #DEBUG}=1.
     */
    public static int report(Throwable e, PrintWriter err) {
        Throwable badInput = null;
        for (Throwable t : chain(e)) {
            if (isBadInput(t)) {
                badInput = t;
                break;
            }
        }
        int code = badInput != null ? BAD_INPUT : RUN_FAILED;
        err.println("error: " + (badInput != null ? message(badInput) : cause(e)));
        if ("1".equals(System.getenv(DEBUG))) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** Errors of what the user gave: configuration, model, input files and their values. */
    static boolean isBadInput(Throwable t) {
        return t instanceof ConfigException || t instanceof ModelException || t instanceof IllegalArgumentException
                || t instanceof NoSuchFileException || t instanceof NotDirectoryException || t instanceof AccessDeniedException
                || t instanceof FileNotFoundException || t instanceof CharacterCodingException;
    }

    /**
     * What failed, in one line: the first exception of the chain that says more than that it wraps another (Spark's
     * "Job aborted due to stage failure" and its stack-trace text are left out), followed by the root cause's message
     * in parentheses when that adds to it ("Encountered error while reading file F" (can not read ...)).
     */
    private static String cause(Throwable e) {
        List<Throwable> chain = chain(e);
        Throwable first = null;
        for (Throwable t : chain) {
            boolean wrapper = t.getCause() != null && (t instanceof UncheckedIOException || t instanceof java.util.concurrent.ExecutionException
                    || t instanceof java.util.concurrent.CompletionException || t instanceof java.lang.reflect.InvocationTargetException
                    || t instanceof CommandLine.ExecutionException || t.getMessage() == null || t.getMessage().startsWith("Job aborted")
                    || t.getMessage().equals(t.getCause().toString()));
            if (!wrapper) {
                first = t;
                break;
            }
        }
        first = first == null ? e : first;
        String m = message(first);
        Throwable root = chain.get(chain.size() - 1);
        if (root != first && root.getMessage() != null && !m.contains(message(root))) {
            m += " (" + message(root) + ")";
        }
        return m;
    }

    /** One line: the message (its first line), with the file for file-system errors, or the exception's name. */
    static String message(Throwable t) {
        String m;
        if (t instanceof NoSuchFileException f) {
            m = f.getFile() + ": no such file or folder";
        } else if (t instanceof AccessDeniedException f) {
            m = f.getFile() + ": permission denied";
        } else if (t instanceof FileSystemException f && f.getReason() != null) {
            m = f.getFile() + ": " + f.getReason();
        } else if (t instanceof CharacterCodingException) {
            m = "not text in the expected encoding (" + t + ")";
        } else {
            m = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getName() : t.getMessage();
        }
        // Spark's error class and SQL state ("[FAILED_READ_FILE.NO_HINT] ... SQLSTATE: KD001") say nothing to a user
        m = m.strip().lines().findFirst().orElse(m).replaceFirst("^\\[[A-Z0-9_.]+\\] ", "").replaceFirst("\\s*SQLSTATE: \\w+\\s*$", "");
        return m + lookedIn(m);
    }

    /**
     * Where a missing conf/… or ../… input was looked for (the working folder, then the installation: {@link
     * io.robustbounds.config.Installation#input}), for a message that starts with such a path and says it is missing.
     */
    static String lookedIn(String message) {
        java.nio.file.Path home = io.robustbounds.config.Installation.home();
        boolean missing = message.contains(": no such file");
        if (home == null || !missing || !(message.startsWith("../") || message.startsWith("conf/"))) {
            return "";
        }
        return " (looked for in " + java.nio.file.Path.of("").toAbsolutePath() + " and in the installation " + home
                + "; ../shared is the data folder beside the project)";
    }

    /** The exception and its causes, each once. */
    private static List<Throwable> chain(Throwable e) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> out = new ArrayList<>();
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            out.add(t);
        }
        return out;
    }

    /** The build's version (its Maven descriptor), as provenance records it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"robustbounds " + io.robustbounds.spark.Provenance.version()};
        }
    }
}
