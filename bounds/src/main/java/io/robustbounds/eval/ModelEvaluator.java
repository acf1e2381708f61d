package io.robustbounds.eval;

import io.robustbounds.model.Model;

/**
 * Bound and FGS estimate for the samples of one model, whatever its kind: the entry point of the jobs. A
 * batch is a Java array of n samples in C order (each sample's features row-major, C×H×W for images).
 */
public interface ModelEvaluator {

    /** Elements of one sample. */
    int inputSize();

    SampleResults evaluate(double[] samples, int n);

    /** The evaluator for the model's kind: linear classifiers and MLPs (thesis ch. 3–4) or CNNs (ch. 5). */
    static ModelEvaluator of(Model model, EvalSettings settings) {
        if (!model.isMlp() || model.input().shape().length != 1) {
            return new CnnEvaluator(model, settings);
        }
        DenseStack net = DenseStack.of(model, settings.dataType());
        MlpEvaluator evaluator = new MlpEvaluator(settings);
        return new ModelEvaluator() {
            @Override
            public int inputSize() {
                return net.inputSize();
            }

            @Override
            public SampleResults evaluate(double[] samples, int n) {
                return evaluator.evaluate(net, samples, n);
            }
        };
    }
}
