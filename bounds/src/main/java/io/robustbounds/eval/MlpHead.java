package io.robustbounds.eval;

import io.robustbounds.attack.Classes;
import io.robustbounds.bounds.PaperBounds;

/**
 * The MLP part of one forward pass (dense layers and the linear head, thesis ch. 3–4), per sample: the logits, the
 * predicted class and runner-up, δ at h_L(x) (Theorem 3.6), ‖J‖ by Lanczos, M (Algorithm 4.1) and the paper bound
 * of Theorem 4.2 at the MLP's input. Every bound mode and the FGS search start from it.
 */
record MlpHead(double[] logits, int[] predicted, int[] runnerUp, double[] delta, double[] jacobian, double[] m, double[] bound,
               int lanczosSteps, int unconverged) {

    /** δ at h_L(x) (Theorem 3.6), ‖J‖ by Lanczos, M (Algorithm 4.1) and the bound of Theorem 4.2. */
    static MlpHead of(DenseStack net, DenseStack.Forward f, EvalSettings settings) {
        int perModel = f.samplesPerModel;
        int count = net.models * perModel;
        int classes = net.classes;
        double[] logits = f.logits();
        int[] predicted = Classes.argmax(logits, classes);

        // Theorem 3.6 at h_L(x)
        double[] delta = new double[count];
        int[] runnerUp = new int[count];
        double[] pair = new double[2];
        for (int i = 0; i < count; i++) {
            PaperBounds.margin(logits, i * classes, classes, predicted[i], net.headRowDistances[i / perModel], pair);
            delta[i] = pair[0];
            runnerUp[i] = (int) pair[1];
        }

        // Theorem 4.2 (L = 0: J = I and M = 0, and the formula reduces to δ)
        double[] jacobian = new double[count];
        int lanczosSteps = 0;
        int unconverged = 0;
        if (net.depth() > 0) {
            JacobianNorm.Result jn = JacobianNorm.compute(net, f, settings.jacobianTolerance(), settings.maxLanczosSteps());
            jacobian = jn.upper();
            lanczosSteps = jn.steps();
            unconverged = jn.unconverged();
        } else {
            java.util.Arrays.fill(jacobian, 1.0);
        }
        double[] m = new double[count];
        double[] bound = new double[count];
        int n = net.featureSize();
        for (int i = 0; i < count; i++) {
            m[i] = net.depth() > 0 ? net.paperM[i / perModel] : 0.0;
            bound[i] = PaperBounds.mlp(delta[i], jacobian[i], m[i], n);
        }
        return new MlpHead(logits, predicted, runnerUp, delta, jacobian, m, bound, lanczosSteps, unconverged);
    }
}
