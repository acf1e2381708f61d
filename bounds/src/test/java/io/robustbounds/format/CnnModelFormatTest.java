package io.robustbounds.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.robustbounds.model.BatchNorm;
import io.robustbounds.model.Conv2d;
import io.robustbounds.model.Flatten;
import io.robustbounds.model.Lrn;
import io.robustbounds.model.Pool2d;
import io.robustbounds.model.Activation;
import io.robustbounds.model.DenseLayer;
import io.robustbounds.model.InputSpec;
import io.robustbounds.model.Layer;
import io.robustbounds.model.LinearHead;
import io.robustbounds.model.Model;
import io.robustbounds.model.ModelException;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The model format's convolutional-network kinds: round trips, model.json fields, shape inference errors. */
class CnnModelFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The scalar parameters of a layer record (every component that is not a tensor). */
    static List<Object> scalars(Layer layer) {
        List<Object> out = new ArrayList<>();
        for (RecordComponent c : layer.getClass().getRecordComponents()) {
            if (c.getType() != INDArray.class) {
                try {
                    out.add(c.getAccessor().invoke(layer));
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return out;
    }

    private static INDArray random(Random r, double shift, long... shape) {
        INDArray a = Nd4j.rand(DataType.FLOAT, shape);
        float[] v = new float[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() + shift);
        }
        return Nd4j.createFromArray(v).reshape('c', shape);
    }

    /**
     * [1, 12, 12] → conv 4×1×5×5 → max 2/2 → LRN (Caffe α) → BN → conv 3×4×3×3 pad 1 ReLU → L2 2/1 → average 3/3
     * → flatten [3] → dense 5 ReLU → head 2: every kind, with shapes [4,8,8] [4,4,4] [4,4,4] [4,4,4] [3,4,4] [3,3,3] [3,1,1] [3].
     */
    static Model everyKind(long seed) {
        Random r = new Random(seed);
        List<Layer> layers = List.of(
                new Conv2d(random(r, 0, 4, 1, 5, 5), random(r, 0, 4), 1, 0, false), Pool2d.max(2, 2),
                new Lrn(1, 5, 1e-4, 0.75, true),
                new BatchNorm(random(r, 1, 4), random(r, 0, 4), random(r, 0, 4), random(r, 3, 4), 1e-5),
                new Conv2d(random(r, 0, 3, 4, 3, 3), random(r, 0, 3), 1, 1, true), Pool2d.lp(2, 2, 1), Pool2d.average(3, 3),
                new Flatten(), new DenseLayer(random(r, 0, 5, 3), random(r, 0, 5), Activation.RELU));
        return new Model("every-kind", new InputSpec(new long[] {1, 12, 12}, 0, 255), layers,
                new LinearHead(random(r, 0, 2, 5), random(r, 0, 2)), List.of("no", "yes"), Map.of("seed", seed));
    }

    private Path written() {
        Path p = dir.resolve("m" + System.nanoTime());
        ModelFormat.write(everyKind(3), p);
        return p;
    }

    private static void editJson(Path folder, Consumer<ObjectNode> edit) {
        ModelFormatTest.editJson(folder, edit);
    }

    private static ObjectNode layer(ObjectNode json, int i) {
        return ModelFormatTest.layer(json, i);
    }

    private static String error(Path folder) {
        return ModelFormatTest.error(folder);
    }

    @Test
    void everyKindRoundTripsBitExactThroughFolderAndZip() throws IOException {
        Model m = everyKind(3);
        Path folder = dir.resolve("folder");
        ModelFormat.write(m, folder);
        ModelFormatTest.assertSameModel(m, ModelFormat.read(folder));
        ModelFormatTest.assertSameModel(m, ModelFormat.fromZipBytes(ModelFormat.toZipBytes(m), "zip"));

        JsonNode json = JSON.readTree(folder.resolve("model.json").toFile());
        assertEquals("{\"kind\":\"conv\",\"stride\":1,\"padding\":1,\"relu\":true,\"weight\":\"layer4.weight.npy\","
                + "\"bias\":\"layer4.bias.npy\"}", json.get("layers").get(4).toString());
        assertEquals("{\"kind\":\"lrn\",\"k\":1.0,\"n\":5,\"alpha\":1.0E-4,\"beta\":0.75,\"alpha_convention\":\"caffe\"}",
                json.get("layers").get(2).toString());
        assertEquals("{\"kind\":\"pool\",\"method\":\"lp\",\"size\":2,\"stride\":1,\"p\":2.0}", json.get("layers").get(5).toString());
        assertEquals("{\"kind\":\"flatten\"}", json.get("layers").get(7).toString());
        assertTrue(Files.exists(folder.resolve("layer3.variance.npy")));
    }

    @Test
    void optionalFieldsTakeTheirDefaults() {
        Path m = written();
        editJson(m, j -> {
            layer(j, 0).remove("stride");
            layer(j, 0).remove("padding");
            layer(j, 0).remove("relu");
            layer(j, 1).remove("stride");
        });
        Model read = ModelFormat.read(m);
        assertEquals(List.of(1, 0, false), scalars(read.layers().get(0)));
        assertEquals(List.of(Pool2d.Method.MAX, Double.NaN, 2, 2), scalars(read.layers().get(1)));
    }

    @Test
    void shapeErrorsNameTheLayerTheFieldAndBothShapes() {
        Path m = written();
        Npy.write(Nd4j.create(DataType.FLOAT, 3, 5, 3, 3), m.resolve("layer4.weight.npy"));
        assertEquals(m + "/model.json: layers[4] (conv): conv: expected input with 5 channels [5, H, W], got [4, 4, 4]"
                + " (weight 'layer4.weight.npy' (3, 5, 3, 3), bias 'layer4.bias.npy' (3,); its input is the output of layers[3])",
                error(m));

        m = written();
        editJson(m, j -> layer(j, 6).put("size", 5));
        assertEquals(m + "/model.json: layers[6] (pool): pool: expected input [C, H, W] with H, W ≥ 5 for window [5, 5], got"
                + " [3, 3, 3] (; its input is the output of layers[5])", error(m));

        m = written();
        Npy.write(Nd4j.create(DataType.FLOAT, 5), m.resolve("layer3.mean.npy"));
        assertEquals(m + "/model.json: layers[3] (batchnorm): BatchNorm parameters differ in length: gamma 4, beta 4, mean 5,"
                + " variance 4 (gamma 'layer3.gamma.npy' (4,), beta 'layer3.beta.npy' (4,), mean 'layer3.mean.npy' (5,),"
                + " variance 'layer3.variance.npy' (4,))", error(m));

        m = written();
        editJson(m, j -> ((ObjectNode) j.get("input")).putArray("shape").add(1).add(10).add(10));
        assertEquals(m + "/model.json: layers[6] (pool): pool: expected input [C, H, W] with H, W ≥ 3 for window [3, 3], got"
                + " [3, 2, 2] (; its input is the output of layers[5])", error(m));
    }

    @Test
    void fieldErrorsNameTheLayerAndField() {
        Path m = written();
        editJson(m, j -> layer(j, 2).remove("alpha_convention"));
        assertEquals(m + "/model.json: layers[2] (lrn): field 'alpha_convention' is missing", error(m));
        editJson(m, j -> layer(j, 2).put("alpha_convention", "keras"));
        assertEquals(m + "/model.json: layers[2] (lrn): field 'alpha_convention' must be \"thesis\" (α as is) or \"caffe\" (α / n),"
                + " got \"keras\"", error(m));

        m = written();
        editJson(m, j -> layer(j, 1).put("method", "min"));
        assertEquals(m + "/model.json: layers[1] (pool): field 'method' must be \"max\", \"average\" or \"lp\", got \"min\"", error(m));
        editJson(m, j -> layer(j, 1).put("method", "max").put("stride", -2));
        assertEquals(m + "/model.json: layers[1] (pool): field 'stride' must be an integer >= 0, got -2", error(m));
        editJson(m, j -> layer(j, 1).put("stride", 0));
        assertEquals(m + "/model.json: layers[1] (pool): pool: size and stride must be ≥ 1, got size 2, stride 0", error(m));

        m = written();
        editJson(m, j -> layer(j, 0).put("relu", "yes"));
        assertEquals(m + "/model.json: layers[0] (conv): field 'relu' must be true or false, got \"yes\"", error(m));
        editJson(m, j -> layer(j, 0).put("relu", true).put("dilation", 2));
        assertEquals(m + "/model.json: layers[0] (conv): unknown field 'dilation' (known: kind, weight, bias, stride, padding, relu)",
                error(m));
    }
}
