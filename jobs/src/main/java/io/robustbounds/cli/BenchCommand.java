package io.robustbounds.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.robustbounds.bench.Workloads;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Our side of scripts/bench: one workload of numpy_peer.py, in process, as one JSON line. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark workload (sweep | wide) and print one JSON line.")
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "sweep | wide")
    String workload;

    @Option(names = "--batch", description = "models per stack (sweep) or samples per batch (wide); default: sweep 500, wide 2000")
    Integer batch;

    @Option(names = "--repeats", defaultValue = "3", description = "timed repetitions after one warm-up; the best is reported")
    int repeats;

    @Override
    public Integer call() throws Exception {
        int b = batch != null ? batch : "wide".equals(workload) ? 2000 : 500;
        System.out.println(new ObjectMapper().writeValueAsString(Workloads.run(workload, b, repeats)));
        return 0;
    }
}
