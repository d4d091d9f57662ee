package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.model.hub.HubOptions;
import dev.invariant.engine.model.synthetic.SyntheticExport;
import dev.invariant.engine.model.synthetic.SyntheticModel;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoaderTest {

    /** Offline hub on an empty cache: no test here may reach a network. */
    private static LoadOptions options(Path tmp) {
        var hub = new HubOptions(tmp.resolve("hf"), true, null, URI.create("http://127.0.0.1:9"), Duration.ofSeconds(2));
        return new LoadOptions(hub, tmp.resolve("digests"), ProgressListener.NONE);
    }

    @Test
    void loadsAFolder(@TempDir Path tmp) {
        Path folder = TestAssets.model("stories260K");
        Model m = ModelLoader.load(folder.toString(), options(tmp));
        assertEquals(folder, m.folder());
        assertEquals(5, m.config().numLayers());
        assertEquals(64, m.config().hiddenSize());
        try (var r = SafetensorsReader.openFolder(folder)) {
            assertEquals(WeightsDigest.compute(r.tensors()), m.weightsDigest());
        }
        assertEquals(m.weightsDigest(), ModelLoader.load(folder.toString(), options(tmp)).weightsDigest());
    }

    @Test
    void loadsASyntheticPreset(@TempDir Path tmp) {
        Model m = ModelLoader.load("synthetic:tiny-qwen3@f32", options(tmp));
        assertNull(m.folder());
        assertEquals(Architecture.QWEN3, m.config().architecture());
        assertEquals(DType.F32, m.weights().embedTokens().dtype());
        assertEquals(WeightsDigest.compute(SyntheticModel.create("synthetic:tiny-qwen3@f32").tensors()), m.weightsDigest());
    }

    @Test
    void anExportedSyntheticModelIsTheSameModel(@TempDir Path tmp) {
        Path single = SyntheticExport.export("synthetic:tiny-qwen2", tmp.resolve("single"));
        Path sharded = SyntheticExport.export("synthetic:tiny-qwen2", tmp.resolve("sharded"), 40_000,
                ProgressListener.NONE);
        assertTrue(Files.isRegularFile(sharded.resolve("model.safetensors.index.json")));
        assertTrue(shardCount(sharded) > 1, "split into shards");
        Model synthetic = ModelLoader.load("synthetic:tiny-qwen2", options(tmp));
        for (Path folder : new Path[] {single, sharded}) {
            Model m = ModelLoader.load(folder.toString(), options(tmp));
            assertEquals(synthetic.config(), m.config(), folder.toString());
            assertEquals(synthetic.weightsDigest(), m.weightsDigest(), folder.toString());
            assertEquals(synthetic.configDigest(), m.configDigest(), folder.toString());
            assertArrayEquals(synthetic.weights().layers().get(1).kBias().data().toArray(ValueLayout.JAVA_BYTE),
                    m.weights().layers().get(1).kBias().data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /** A GPTQ mixture of experts as a folder (config.json's quantization_config, packed experts) loads packed. */
    @Test
    void anExportedGptqMixtureLoadsPacked(@TempDir Path tmp) {
        String name = "synthetic:tiny-qwen2-moe-gptq-int4";
        Path folder = SyntheticExport.export(name, tmp.resolve("moe"));
        Model synthetic = ModelLoader.load(name, options(tmp));
        Model m = ModelLoader.load(folder.toString(), options(tmp));
        assertEquals(synthetic.config(), m.config());
        assertEquals(synthetic.weightsDigest(), m.weightsDigest());
        MoeWeights experts = m.weights().layers().get(0).moe();
        assertTrue(experts.experts().stream().allMatch(e -> e.gptq() != null), "every expert packed");
        assertTrue(experts.shared().gptq() != null, "the shared expert packed");
        assertEquals(synthetic.weights().layers().get(0).byteSize(), m.weights().layers().get(0).byteSize());
    }

    static long shardCount(Path folder) {
        try (var files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void unknownIdsNameTheAcceptedForms(@TempDir Path tmp) {
        for (String id : new String[] {"./no/such/folder", "not a model", "", "/abs/missing", "a/b/c"}) {
            var e = assertThrows(EngineException.class, () -> ModelLoader.load(id, options(tmp)), id);
            assertEquals(ErrorCode.UNKNOWN_MODEL, e.code(), id);
            assertTrue(e.getMessage().contains("synthetic:NAME") && e.getMessage().contains("org/name"), e.getMessage());
        }
        var hub = assertThrows(EngineException.class, () -> ModelLoader.load("someorg/somemodel", options(tmp)));
        assertEquals(ErrorCode.UNKNOWN_MODEL, hub.code());
        assertTrue(hub.getMessage().contains("not a folder") && hub.getMessage().contains("HF_HUB_OFFLINE"),
                hub.getMessage());
        var preset = assertThrows(EngineException.class, () -> ModelLoader.load("synthetic:nope", options(tmp)));
        assertEquals(ErrorCode.UNKNOWN_MODEL, preset.code());
    }
}
