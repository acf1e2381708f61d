package io.robustbounds.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.robustbounds.model.Activation;
import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LayerKind;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer kind's entry of model.json's "layers": its fields (besides "kind" and the tensor files, which {@link
 * ModelJson} handles for every kind) read into the layer's record and written from it. {@link #of} maps every
 * {@link LayerKind} to its codec; a new kind does not compile until it has one.
 */
enum LayerCodec {
    DENSE {
        @Override
        Layer read(JsonObject o, Tensors t) {
            o.only("kind", "activation", "weight", "bias");
            Activation activation = Activation.parse(o.text("activation"), o.where());
            INDArray w = t.read("weight");
            INDArray b = t.read("bias");
            return new DenseLayer(w, b, activation);
        }

        @Override
        void write(Layer layer, ObjectNode o) {
            o.put("activation", ((DenseLayer) layer).activation().id());
        }
    },
    CONV {
        @Override
        Layer read(JsonObject o, Tensors t) {
            o.only("kind", "weight", "bias", "stride", "padding", "relu");
            INDArray w = t.read("weight");
            INDArray b = t.read("bias");
            return new Conv2d(w, b, o.integer("stride", 1), o.integer("padding", 0), o.bool("relu", false));
        }

        @Override
        void write(Layer layer, ObjectNode o) {
            Conv2d c = (Conv2d) layer;
            o.put("stride", c.stride()).put("padding", c.padding()).put("relu", c.relu());
        }
    },
    POOL {
        @Override
        Layer read(JsonObject o, Tensors t) {
            o.only("kind", "method", "size", "stride", "p");
            String method = o.text("method");
            int size = o.integer("size");
            int stride = o.integer("stride", size);
            return switch (method) {
                case "max" -> Pool2d.max(size, stride);
                case "average" -> Pool2d.average(size, stride);
                case "lp" -> Pool2d.lp(o.number("p"), size, stride);
                default -> throw o.wrong("method", "\"max\", \"average\" or \"lp\"", o.get("method"));
            };
        }

        @Override
        void write(Layer layer, ObjectNode o) {
            Pool2d p = (Pool2d) layer;
            o.put("method", p.method().name().toLowerCase(Locale.ROOT)).put("size", p.size()).put("stride", p.stride());
            if (p.method() == Pool2d.Method.LP) {
                o.put("p", p.p());
            }
        }
    },
    BATCH_NORM {
        @Override
        Layer read(JsonObject o, Tensors t) {
            o.only("kind", "gamma", "beta", "mean", "variance", "epsilon");
            return new BatchNorm(t.read("gamma"), t.read("beta"), t.read("mean"), t.read("variance"), o.number("epsilon"));
        }

        @Override
        void write(Layer layer, ObjectNode o) {
            o.put("epsilon", ((BatchNorm) layer).epsilon());
        }
    },
    LRN {
        @Override
        Layer read(JsonObject o, Tensors t) {
            o.only("kind", "k", "n", "alpha", "beta", "alpha_convention");
            String convention = o.text("alpha_convention");
            if (!convention.equals("thesis") && !convention.equals("caffe")) {
                throw o.wrong("alpha_convention", "\"thesis\" (α as is) or \"caffe\" (α / n)", o.get("alpha_convention"));
            }
            return new Lrn(o.number("k"), o.integer("n"), o.number("alpha"), o.number("beta"), convention.equals("caffe"));
        }

        @Override
        void write(Layer layer, ObjectNode o) {
            Lrn l = (Lrn) layer;
            o.put("k", l.k()).put("n", l.n()).put("alpha", l.alpha()).put("beta", l.beta())
                    .put("alpha_convention", l.caffeAlpha() ? "caffe" : "thesis");
        }
    },
    FLATTEN {
        @Override
        Layer read(JsonObject o, Tensors t) {
            o.only("kind");
            return new Flatten();
        }

        @Override
        void write(Layer layer, ObjectNode o) {
        }
    };

    /** Reads the .npy file a field names (and remembers it for messages). */
    interface Tensors {
        INDArray read(String field);
    }

    /** The layer from its model.json object (whose "kind" is this codec's); fields are checked in a fixed order. */
    abstract Layer read(JsonObject o, Tensors tensors);

    /** The layer's own fields into its model.json object, after "kind" and before its tensor files. */
    abstract void write(Layer layer, ObjectNode o);

    static LayerCodec of(LayerKind kind) {
        return switch (kind) {
            case DENSE -> DENSE;
            case CONV -> CONV;
            case POOL -> POOL;
            case BATCH_NORM -> BATCH_NORM;
            case LRN -> LRN;
            case FLATTEN -> FLATTEN;
        };
    }
}
