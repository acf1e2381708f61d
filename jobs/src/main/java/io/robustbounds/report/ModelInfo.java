package io.robustbounds.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What the figures name beyond the result rows: a model's class names and layer kinds. They come from the evaluate step's
 * {@code _provenance.json} beside each results folder ({@code <run>/evaluate/}): the model's {@code model.json} (folder or
 * .zip; only that entry is read, never the weights), else the test set's class names recorded there. Anything missing or
 * unreadable leaves the figure with indices, as before: the report never fails for want of names.
 */
record ModelInfo(List<String> classes, List<String> layerKinds) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** By model name as the report groups it ({@code run/model} when qualified, and the plain name). */
    static Map<String, ModelInfo> of(List<String> results, List<String> labels) {
        Map<String, ModelInfo> out = new HashMap<>();
        for (int i = 0; i < results.size(); i++) {
            String r = results.get(i).replaceFirst("^file:", "");
            if (r.contains("://")) {
                continue;
            }
            Path provenance = Path.of(r).toAbsolutePath().normalize().getParent().resolve("_provenance.json");
            try {
                JsonNode p = JSON.readTree(provenance.toFile());
                String name = p.path("model").path("name").asText(null);
                if (name == null) {
                    continue;
                }
                ModelInfo info = fromModel(p.path("model").path("path").asText(""));
                if (info.classes().isEmpty()) {
                    JsonNode meta = p.path("test_set").path("metadata");
                    if (meta.isTextual()) {
                        meta = JSON.readTree(meta.asText());
                    }
                    info = new ModelInfo(strings(meta.path("classes")), info.layerKinds());
                }
                out.putIfAbsent(name, info);
                out.put(labels.get(i) + "/" + name, info);
            } catch (IOException | RuntimeException e) {
                // no provenance beside these results (written elsewhere, or by hand): indices it is
            }
        }
        return out;
    }

    /** Class names and layer kinds of a model's model.json; empty lists when it cannot be read. */
    static ModelInfo fromModel(String model) {
        if (model.isBlank() || model.contains("://")) {
            return new ModelInfo(List.of(), List.of());
        }
        Path p = Path.of(model);
        try {
            JsonNode m;
            if (Files.isDirectory(p)) {
                m = JSON.readTree(p.resolve("model.json").toFile());
            } else {
                try (ZipFile zip = new ZipFile(p.toFile())) {
                    ZipEntry e = zip.getEntry("model.json");
                    if (e == null) {
                        return new ModelInfo(List.of(), List.of());
                    }
                    try (InputStream in = zip.getInputStream(e)) {
                        m = JSON.readTree(in);
                    }
                }
            }
            List<String> kinds = new ArrayList<>();
            m.path("layers").forEach(l -> kinds.add(l.path("kind").asText("?")));
            return new ModelInfo(strings(m.path("classes")), kinds);
        } catch (IOException | RuntimeException e) {
            return new ModelInfo(List.of(), List.of());
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /**
     * The names of the κ chain's positions for these layers, or null when the chain's length is not that of a layer chain
     * (Algorithm 5.1: [κ at the input of trunk layer 1, …, of trunk layer T, κ at the MLP's input, δ at the head]; the trunk
     * ends with the last layer that is not dense). Position l ≤ T is named by the layer whose input it is ("conv 1"), the
     * last "δ (head)".
     */
    List<String> kappaPositions(int chainLength) {
        if (layerKinds.isEmpty()) {
            return null;
        }
        int trunk = 0;
        for (int i = 0; i < layerKinds.size(); i++) {
            if (!layerKinds.get(i).equals("dense")) {
                trunk = i + 1;
            }
        }
        if (chainLength != trunk + 2) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (int l = 0; l <= trunk; l++) {
            names.add(l < layerKinds.size() ? layerKinds.get(l) + " " + (l + 1) : "head");
        }
        names.add("δ (head)");
        return names;
    }
}
