package io.robustbounds.cli;

import io.robustbounds.config.ConfigException;
import io.robustbounds.model.ModelException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line: one jar, one entry point, a subcommand per job. */
@Command(name = "robustbounds", mixinStandardHelpOptions = true, version = "robustbounds 0.1.0",
        description = "Lower bounds on the robustness to adversarial perturbations (Peck et al., NIPS 2017), "
                + "checked against fast-gradient-sign attacks.",
        subcommands = {JobCommands.Pipeline.class, JobCommands.ImportCsv.class, JobCommands.ImportIdx.class, ImportUciCommand.class, ImportCifarCommand.class, ImportCaffeCommand.class, JobCommands.Evaluate.class, JobCommands.Aggregate.class,
                AccuracyCommand.class, TrainCommand.class, BenchmarkCommand.class, ReportCommand.class, ScalingCommand.class, PlotCommand.class,
                RandomMlpCommand.class, SweepCommand.class, GenerateCommands.RandomModel.class, GenerateCommands.RandomTestSet.class, BenchCommand.class, CompareCommand.class, SparkCheckCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; configuration and model errors print one clear line. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException || e instanceof ModelException || e instanceof IllegalArgumentException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
