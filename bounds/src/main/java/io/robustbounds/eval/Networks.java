package io.robustbounds.eval;

import io.robustbounds.attack.Differentiable;
import io.robustbounds.model.Model;

/** The attacks' view of a model, whatever its kind (as {@link ModelEvaluator#of}). */
public final class Networks {
    private Networks() {
    }

    public static Differentiable of(Model model, EvalSettings settings) {
        if (!model.isMlp() || model.input().shape().length != 1) {
            return CnnNetwork.of(model, settings);
        }
        return MlpNetwork.of(model, settings.dataType());
    }
}
