package io.robustbounds.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.bench.Workloads;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code time-workload} (formerly {@code bench}): our side of scripts/bench, one workload of numpy_peer.py timed in process, as one JSON line. */
@Command(name = "time-workload", aliases = "bench", mixinStandardHelpOptions = true,
        description = "Time one workload in process (sweep | wide | lenet | model: speed, no Spark) and print one JSON line; alias: bench.")
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "sweep | wide | lenet | model (with --model)")
    String workload;

    @Option(names = "--model", description = "model folder or zip, for the 'model' workload")
    java.nio.file.Path model;

    @Option(names = "--samples", defaultValue = "1000000", description = "samples for the 'model' workload (default: ${DEFAULT-VALUE})")
    long samples;

    @Option(names = "--fgs-upper", defaultValue = "1.0", description = "U for the 'model' workload")
    double fgsUpper;

    @Option(names = "--batch", description = "models per stack (sweep) or samples per batch (wide, lenet, model); default: sweep 500, wide 2000, lenet 500, model 1024")
    Integer batch;

    @Option(names = "--repeats", defaultValue = "3", description = "timed repetitions after one warm-up; the best is reported")
    int repeats;

    @Option(names = "--mode", defaultValue = "paper", description = "bound modes: paper, sound, certified, both, all or a list (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--threads", description = "ND4J intra-op threads (default: 1 with more than one worker, else ND4J's own choice)")
    Integer threads;

    @Option(names = "--workers", description = "evaluation threads side by side: a sweep's stacks, one model's batch in parts (default: the available processors)")
    Integer workers;

    @Override
    public Integer call() throws Exception {
        int w = workers != null ? workers : Runtime.getRuntime().availableProcessors();
        if (w < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + w);
        }
        if (threads != null) {
            io.robustbounds.linalg.Threads.limit(threads);
        } else if (w > 1) {
            io.robustbounds.linalg.Threads.limit(1); // the workers are the parallelism (see ParallelEvaluator)
        }
        if ("model".equals(workload)) {
            if (model == null) {
                throw new IllegalArgumentException("time-workload model needs --model PATH");
            }
            int b = batch != null ? batch : 1024;
            System.out.println(new ObjectMapper().writeValueAsString(Workloads.model(io.robustbounds.format.ModelFormat.read(model), samples, b, fgsUpper, repeats, io.robustbounds.bounds.BoundMode.parseList(mode), w)));
            return 0;
        }
        int b = batch != null ? batch : "wide".equals(workload) ? 2000 : 500; // lenet: all 500 at once, chunked by batch memory
        System.out.println(new ObjectMapper().writeValueAsString(Workloads.run(workload, b, repeats, io.robustbounds.bounds.BoundMode.parseList(mode), w)));
        return 0;
    }
}
