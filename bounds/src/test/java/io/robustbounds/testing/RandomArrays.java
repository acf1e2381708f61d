package io.robustbounds.testing;

import io.robustbounds.linalg.Arrays2;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Random weights for test networks, built outside any workspace so they outlive the evaluators' batch scopes. */
public final class RandomArrays {
    private RandomArrays() {
    }

    /** A double array of the given shape, entries uniform in [−scale, scale). */
    public static INDArray uniform(SplittableRandom r, double scale, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble(-scale, scale);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Arrays2.fromDoubles(v, DataType.DOUBLE, shape);
        }
    }
}
