package io.robustbounds.eval;

import io.robustbounds.attack.Ray;
import io.robustbounds.linalg.Arrays2;
import io.robustbounds.linalg.Workspaces;
import io.robustbounds.model.Activation;
import io.robustbounds.random.RandomMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Not a test: times one FGS ray pass (ND4J against FloatRay) on a stack of random MLPs, to choose
 * FloatRay.MAX_WIDTH (docs/benchmarks.md, issue 18). Args: width [depth models samples activation passes].
 * Run from the tree root: java -cp bounds/target/classes:bounds/target/test-classes:$(cat jobs/target/classpath.txt) io.robustbounds.eval.RayTiming 10
 */
public final class RayTiming {
    public static void main(String[] args) {
        int width = Integer.parseInt(args[0]);
        int depth = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int models = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        int samples = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        Activation g = args.length > 4 ? Activation.parse(args[4], "args") : Activation.TANH;
        int passes = args.length > 5 ? Integer.parseInt(args[5]) : 200;
        RandomMlp spec = RandomMlp.of(20, depth, width, g, 5, -1, 1, -1, 1);
        RandomMlp.Chunk chunk = spec.chunk(7, 0, models, samples);
        DenseStack net = DenseStack.of(chunk.models(), DataType.FLOAT);
        double[] eps = new double[models * samples];
        java.util.Arrays.fill(eps, 0.3);
        try (MemoryWorkspace ignored = Workspaces.batch()) {
            INDArray x = Arrays2.fromDoubles(chunk.samples(), DataType.FLOAT, models, samples, 20);
            DenseStack.Forward f = net.forward(x);
            INDArray signs = Transforms.sign(Nd4j.rand(DataType.FLOAT, models, samples, 20).subi(0.5), false);
            Ray nd4j = net.new Ray(f, signs);
            Ray java = new FloatRay(net, f, signs);
            for (int round = 0; round < 3; round++) {
                System.out.printf("width %d depth %d %s: nd4j %.1f ns of thread CPU per sample and pass, java %.1f%n", width, depth, g.id(),
                        time(nd4j, eps, passes, models * samples), time(java, eps, passes, models * samples));
            }
        }
    }

    private static double time(Ray ray, double[] eps, int passes, int n) {
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = cpu.getCurrentThreadCpuTime();
        double sink = 0;
        for (int p = 0; p < passes; p++) {
            try (MemoryWorkspace ignored = Workspaces.step(1)) {
                sink += ray.logitsAt(eps)[p];
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
        return (cpu.getCurrentThreadCpuTime() - t0) / (double) passes / n;
    }
}
