package io.robustbounds.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Element-wise activations of dense layers, with the derivative bounds of Algorithm 4.1
 * (thesis Table 4.1; exact suprema restated in BOUNDS.md §1).
 *
 * <p>{@code A = sup|g'|}, {@code B = sup|g''|}. For ReLU the thesis sets {@code B = 1} so that M > 0
 * (§4.3.1); {@link #paperSecondDerivativeBound()} returns that value, {@link #exactSecondDerivativeBound()} the
 * true supremum away from the kink.
 */
public enum Activation {
    /** tanh: g' = 1 − tanh², max 1 at 0; |g''| = 2|t|(1 − t²), max 4/(3√3) at t = 1/√3. */
    TANH("tanh", 1.0, 4.0 / (3.0 * Math.sqrt(3.0))),
    /** logistic σ: g' = σ(1−σ), max 1/4 at 0; |g''| = σ(1−σ)|1−2σ|, max √3/18 at σ = (3 ± √3)/6. */
    SIGMOID("sigmoid", 0.25, Math.sqrt(3.0) / 18.0),
    /** softplus ln(1+eᶻ): g' = σ(z) < 1; g'' = σ(1−σ) ≤ 1/4. */
    SOFTPLUS("softplus", 1.0, 0.25),
    /** ReLU: g' ∈ {0, 1}; g'' = 0 away from 0 (the thesis uses B = 1). */
    RELU("relu", 1.0, 0.0),
    /** identity: g' = 1, g'' = 0. */
    IDENTITY("identity", 1.0, 0.0);

    private final String id;
    private final double firstDerivativeBound;
    private final double exactSecondDerivativeBound;

    Activation(String id, double firstDerivativeBound, double exactSecondDerivativeBound) {
        this.id = id;
        this.firstDerivativeBound = firstDerivativeBound;
        this.exactSecondDerivativeBound = exactSecondDerivativeBound;
    }

    /** The name used in model.json. */
    public String id() {
        return id;
    }

    /** A = sup |g'|. */
    public double firstDerivativeBound() {
        return firstDerivativeBound;
    }

    /** B = sup |g''| as the function really is (0 for ReLU and identity). */
    public double exactSecondDerivativeBound() {
        return exactSecondDerivativeBound;
    }

    /** B as the thesis uses it in Algorithm 4.1: ReLU gets 1 (§4.3.1), everything else its exact value. */
    public double paperSecondDerivativeBound() {
        return this == RELU ? 1.0 : exactSecondDerivativeBound;
    }

    /** Whether g is twice differentiable everywhere (Theorem A.1's assumption). */
    public boolean smooth() {
        return this != RELU;
    }

    public double value(double z) {
        return switch (this) {
            case TANH -> Math.tanh(z);
            case SIGMOID -> sigmoid(z);
            case SOFTPLUS -> z > 30 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
            case RELU -> Math.max(z, 0.0);
            case IDENTITY -> z;
        };
    }

    public double firstDerivative(double z) {
        return switch (this) {
            case TANH -> {
                double t = Math.tanh(z);
                yield 1.0 - t * t;
            }
            case SIGMOID -> {
                double s = sigmoid(z);
                yield s * (1.0 - s);
            }
            case SOFTPLUS -> sigmoid(z);
            case RELU -> z > 0 ? 1.0 : 0.0;
            case IDENTITY -> 1.0;
        };
    }

    public double secondDerivative(double z) {
        return switch (this) {
            case TANH -> {
                double t = Math.tanh(z);
                yield -2.0 * t * (1.0 - t * t);
            }
            case SIGMOID -> {
                double s = sigmoid(z);
                yield s * (1.0 - s) * (1.0 - 2.0 * s);
            }
            case SOFTPLUS -> {
                double s = sigmoid(z);
                yield s * (1.0 - s);
            }
            case RELU, IDENTITY -> 0.0;
        };
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1.0 / (1.0 + Math.exp(-z)) : Math.exp(z) / (1.0 + Math.exp(z));
    }

    /** g applied elementwise to a batch of pre-activations, in a new array (identity: z itself). */
    public INDArray apply(INDArray z) {
        return switch (this) {
            case TANH -> Transforms.tanh(z, true);
            case SIGMOID -> Transforms.sigmoid(z, true);
            case SOFTPLUS -> Transforms.softPlus(z, true);
            case RELU -> Transforms.relu(z, true);
            case IDENTITY -> z;
        };
    }

    /** g'(z) elementwise, from the pre-activations z and a = {@link #apply}(z) (whichever is cheaper). */
    public INDArray slope(INDArray z, INDArray a) {
        return switch (this) {
            case TANH -> a.mul(a).rsubi(1.0);
            case SIGMOID -> a.rsub(1.0).muli(a);
            case SOFTPLUS -> Transforms.sigmoid(z, true);
            case RELU -> Transforms.step(z, true);
            case IDENTITY -> Nd4j.onesLike(z);
        };
    }

    /** Parses a model.json activation name; the error lists the known names. */
    public static Activation parse(String name, String where) {
        for (Activation a : values()) {
            if (a.id.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new ModelException(where + ": unknown activation '" + name + "', expected one of "
                + Arrays.stream(values()).map(Activation::id).collect(Collectors.joining(", ")));
    }
}
