package dev.invariant.engine.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.HfConfig;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.RopeScaling;
import dev.invariant.engine.model.SlidingWindow;
import dev.invariant.engine.model.gptq.GptqConfig;
import dev.invariant.engine.sample.SamplingParams;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model configuration digest (docs/identity.md, invariant.model.v1). */
class ModelConfigDigestTest {
    private static final String LLAMA3 = "{\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0,"
            + " \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 16}}";

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private int copies;

    /** stories260K with {@code edit}'s keys replacing its config.json's, in a folder of its own. */
    private Path copy(String edit) throws IOException {
        Path to = Files.createDirectory(dir.resolve("copy" + copies++));
        return TestAssets.editedCopy("stories260K", JSON.readTree(edit), to);
    }

    /** A copy whose generation_config.json (which wins over config.json) names {@code ids} as EOS. */
    private Path eos(String ids) throws IOException {
        Path to = copy("{}");
        Path gen = to.resolve("generation_config.json");
        ObjectNode g = (ObjectNode) JSON.readTree(gen.toFile());
        g.set("eos_token_id", JSON.readTree(ids));
        Files.delete(gen); // the copy keeps the shared file's read-only mode
        JSON.writeValue(gen.toFile(), g);
        return to;
    }

    private static String digest(Path folder) {
        return ModelConfigDigest.of(HfConfig.read(folder), HfConfig.quantization(folder));
    }

    /** The encoding of docs/identity.md, written out again with DataOutputStream (big-endian). */
    private static String independentlyEncoded(ModelConfig c, String rope, double[] scaling, int original,
                                               int[] sortedEos, GptqConfig q) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        FingerprintTest.writeString(out, "invariant.model.v1");
        FingerprintTest.writeString(out, c.architecture().hfName());
        for (int v : new int[] {c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                c.headDim(), c.vocabSize(), c.maxPositionEmbeddings()}) out.writeInt(v);
        out.writeDouble(c.ropeTheta());
        FingerprintTest.writeString(out, rope);
        for (double v : scaling) out.writeDouble(v);
        out.writeInt(original);
        out.writeFloat(c.rmsNormEps());
        out.write(new byte[] {(byte) (c.tieWordEmbeddings() ? 1 : 0), (byte) (c.attentionBias() ? 1 : 0),
                (byte) (c.qkNorm() ? 1 : 0)});
        out.writeInt(c.bosTokenId());
        out.writeInt(sortedEos.length);
        for (int id : sortedEos) out.writeInt(id);
        if (q == null) {
            FingerprintTest.writeString(out, "none");
        } else {
            FingerprintTest.writeString(out, "gptq");
            out.writeInt(q.bits());
            out.writeInt(q.groupSize());
            out.write(new byte[] {(byte) (q.descAct() ? 1 : 0), (byte) (q.v2() ? 1 : 0)});
        }
        return FingerprintTest.sha256Hex(bytes);
    }

    @Test
    void equalsTheDocumentedEncodingHashed() throws Exception {
        ModelConfig qwen = new ModelConfig(Architecture.QWEN2, 64, 128, 2, 4, 2, 16, 512, 4096, 1e6, 1e-6f, true, true,
                false, 7, List.of(9, 3, 9), RopeScaling.llama3(8, 1, 4, 8192), SlidingWindow.NONE);
        GptqConfig q = new GptqConfig(4, 128, true, false, true);
        assertEquals(independentlyEncoded(qwen, "llama3", new double[] {8, 1, 4}, 8192, new int[] {3, 9}, q),
                ModelConfigDigest.of(qwen, q));
        ModelConfig llama = new ModelConfig(Architecture.LLAMA, 64, 172, 5, 8, 4, 8, 512, 512, 10000, 1e-5f, true,
                false, false, 1, List.of(2));
        assertEquals(independentlyEncoded(llama, "default", new double[] {1, 0, 0}, 0, new int[] {2}, null),
                ModelConfigDigest.of(llama, null));
    }

    @Test
    void matchesThePythonRecipeInTheDocs() throws IOException {
        // Printed by model_digest() of docs/identity.md for the shared folders, the kept checkpoints and edited copies
        // of stories260K. Kept: Gemma's field 22′ (SeededModelsGoldenTest reads transformers' own spelling of their
        // configs to the same values), OLMo 2's q/k norm (field 20); the multimodal ones' text_config (Gemma's: the
        // top level's EOS, no final cap; Mistral's: lm_head tied by the top level's key; Qwen2.5-VL's: the text keys at
        // the top level, its mrope read as the default RoPE); Phi-3 written as Llama, its window in field 22‴;
        // longrope's attention factor, original context and short factors, the context stopped at the original;
        // Phi-4-mini's rotated dims and GLM's interleaved ones (field 22⁗, GLM written as Qwen2); the window
        // checkpoints' windows and sliding layers (field 22‴).
        String[][] folders = {
            {"stories260K", "3bd0f47f70135034b8fbaa4a479c99623a079b6bdc9a01afaf0e58b7ad5c87a4"},
            {"tiny-qwen2", "7f46e1ec33c5b84928e810f232462ce7ac71fa087f6361533a8371fb697a1553"},
            {"tiny-qwen3", "774a372b4292f3abde537f5634b6c35da980fcec191d99ae0b072c087fdca27c"},
            {"tiny-gemma3", "a5f2a00c431ec26df4277c508d2b7e2c1a0db6e54199350c389bb260742c02f0"},
            {"tiny-gemma2", "1101b0f989bfedf721156db3df215b94c672442e7153a7d39d603275ffecfd79"},
            {"tiny-olmo2", "5467f0c3888c0711e5fd5378ff3d64ccf01386314e24f095b42464d910333def"},
            {"tiny-gemma3mm", "5025d39c56500c2d0e4fe3873f33caab8d84a530cf0922cb64a8069751098fdb"},
            {"tiny-mistral3mm", "5d9233e5d74cf96666f79c6adf1b24d413c5e9d1cbad55ac7c4dc80a1e768bb9"},
            {"tiny-qwen25vlmm", "0f2358bbf36415c3a2dabecfea9c59ecaeec7a2333be40ab36dc498e57170977"},
            {"tiny-phi3", "9612151ccdf81357c550e6a0a97e89a9e0e761f0f77e1bbfaf4df14b9a8d7c40"},
            {"tiny-phi3-longrope", "48f05a617b38efb015be3e692f1d7c54a33b4c0bc45ce132cfaa88671e0e6a6e"},
            {"tiny-phi4mini", "af40de7a8570fbcb226ad2d01ccb9847c83fe45b9918efc64a090036ed74362e"},
            {"tiny-glm", "1628dd7b74bf4342d7a6d6a7ac4e27b3763eee997d1667d517187ba8c02b9c4f"},
            {"tiny-mistral-window", "ebf66e6f04a5c6f94391075bb96a65ca854ddaca3ce70565f6dc54d4bbd5540c"},
            {"tiny-phi3-window", "eef06c30c7b5980bdb9577fcc95fdc230206681c42ba490e3d53c00929bf40a6"},
            {"tiny-qwen2-window", "d113cea528c572e42902d14c8bd8326715f7cdd1b570e29f3609868333f47728"},
            {"tiny-smollm3-window", "1825a857154b396ef16e94868c13a065214e2083800497e6318966f1ec0e8a80"},
            {"tiny-glm4", "fa70624d9baec80dfc8a296a957eafbc64a26d72afad86266668a286260c8c5a"},
            {"tiny-qwen3moe", "f8b9063260a22cf660cbd2c5be8cc17410503f4c055a613cb36b387616d9bdba"},
            {"tiny-qwen2moe", "a906c5ccf703d2144bb61a6ade2b33570c1ac2ebb502fff6c25357573eccd942"},
            {"tiny-mixtral", "2d8ebf854ed61ef51cceb41c45afd7d67dd062caac4e0b656e3629f1c3fdfbe9"},
            {"tiny-olmoe", "4e84b5f88401446a3277b1f631de09369d4301feeb351ae246379d7105b6aa4f"},
            {"tiny-olmo3-window", "c4032228a6a03880e9d7a0c9982c4b05128b1c5daff70b417b84232a52881f71"},
            {"tiny-exaone4-window", "cfe0c6ad96dd8ea1cd858d32292bcb2cb3efd82f1c9e8524880a12b093ee6b61"},
            {"tiny-exaone4", "83b1a571502040fcac2b5ced5e0e67c711b2bcfe00778d1f2fa38007a3c816f3"},
            {"tiny-gemma", "929e1a85a28a21fe3915430e2520d1ce69f08e9a5bd8a130fa843dfd83d2c25f"},
            {"tiny-ernie45", "248fe756f61bc123965d77cb05589454c21173eaf51599ff708bb197befb228e"},
            {"tiny-hunyuan", "302d83eaa740ef58a3ad2019252e6e630a420e0042a4de3e37aef143361789c8"},
            {"tiny-granite4", "2e1100965545478c660f908cf7b4e0f1fe5ff14db5e761bfeefb7284881bae81"},
            {"tiny-gptneox", "6e3d098061f56e565131c03ac0a608445b01a975976902f00935ec93b87523bc"},
            {"tiny-gptneox-seq", "7603cdc42004f9ebc4a08b2a97b3d812f9c71efad5116758615d7a7716afb0c9"},
            {"tiny-phi", "bf71cd56c1773f3ce221af03487c47336aed5b66b431be7d9bb556b40a57007f"},
            {"tiny-gpt2", "e14c5132970526f80374ae22d464ddc9053a4f01955cc705ebc73d685b50e7e1"},
            {"tiny-starcoder2-window", "ed300b286a99ab364bedffe3f92491be6ddc086c8aa4eb53eb288a591542555c"},
            {"tiny-stablelm", "928c6f77e779adbe8bf3dd63e0021b7b88e569deacd3782a52f3bbae379bb925"},
        };
        for (String[] f : folders) assertEquals(f[1], digest(TestAssets.model(f[0])), f[0]);
        // Gemma3ForConditionalGeneration in google's 4B form: most keys left to Gemma3TextConfig's defaults
        Path g4b = Files.createDirectory(dir.resolve("gemma-3-4b"));
        Files.writeString(g4b.resolve("config.json"), "{\"architectures\": [\"Gemma3ForConditionalGeneration\"],"
                + " \"model_type\": \"gemma3\", \"eos_token_id\": [1, 106], \"text_config\": {\"hidden_size\": 2560,"
                + " \"intermediate_size\": 10240, \"model_type\": \"gemma3_text\", \"num_hidden_layers\": 34,"
                + " \"rope_scaling\": {\"factor\": 8.0, \"rope_type\": \"linear\"}, \"sliding_window\": 1024}}");
        assertEquals("ca96b2d901cd08faf61aab5bc2b744b112d4d17b929fcdba9a677311214ab5e0", digest(g4b));
        // stories260K with each edit: llama3; yarn in Qwen2.5's spelling (the context becomes 128 x 4) and with
        // DeepSeek's mscale ratio, untruncated; field 22″: Granite's multipliers, SmolLM3's NoPE layers (by default and
        // listed); field 22‴: a window below max_position_embeddings (every layer; EOS from generation_config.json,
        // GPTQ settings), Qwen2's from max_window_layers on, SmolLM3's on its NoPE layers, OLMo 3's (by default and
        // listed)
        String[][] edits = {
            {"fd926b37e72dd865dfb92637aaed6e446bf688d421fd59c0a21a2f721f2df1d7", LLAMA3},
            {"8227fdf8c64de9f77a72a02c0551c6cffd905a02922dd289e04b063766a3a211", "{\"rope_scaling\": {\"type\": \"yarn\","
                + " \"factor\": 4.0, \"original_max_position_embeddings\": 128}}"},
            {"51fff642cdb1ed4ae278b5d90d745abc24a85b6b948ed7be8f373bf4535252c6", "{\"rope_parameters\": {\"rope_type\":"
                + " \"yarn\", \"rope_theta\": 10000.0, \"factor\": 40, \"original_max_position_embeddings\": 64,"
                + " \"mscale\": 1.0, \"mscale_all_dim\": 0.707, \"beta_fast\": 16, \"truncate\": false}}"},
            {"505ab934eaf9ada058a50032260bac276733c2fc01e649fc423dd954c0996685", "{\"architectures\":"
                + " [\"GraniteForCausalLM\"], \"model_type\": \"granite\", \"embedding_multiplier\": 1.5,"
                + " \"residual_multiplier\": 0.8, \"attention_multiplier\": 0.3, \"logits_scaling\": 1.25}"},
            {"6790646ac36cba861b18957f6f8589405904ff240d4d0778694e3d35d74350cd",
                "{\"architectures\": [\"SmolLM3ForCausalLM\"], \"model_type\": \"smollm3\"}"},
            {"3820890fa8f868b942e1a6f5f72f3f949586b995a16b1ed36c0efea6d340ef0d", "{\"architectures\":"
                + " [\"SmolLM3ForCausalLM\"], \"model_type\": \"smollm3\", \"no_rope_layers\": [1, 0, 1, 0, 0]}"},
            {"3ce3bf8eae34c6ea4a7a21334409ee382930a9efc26e7876ef455e564905040b", "{\"architectures\":"
                + " [\"MistralForCausalLM\"], \"sliding_window\": 128, \"eos_token_id\": [5, 2], \"quantization_config\":"
                + " {\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 64, \"desc_act\": true,"
                + " \"checkpoint_format\": \"gptq_v2\"}}"},
            {"c1e076516e81eea8ce43ae840f9642187bdd5b1ac3a1f24d057dd0973e78fbeb", "{\"architectures\":"
                + " [\"Qwen2ForCausalLM\"], \"model_type\": \"qwen2\", \"use_sliding_window\": true,"
                + " \"sliding_window\": 100, \"max_window_layers\": 3}"},
            {"7c9890d49095183d37d921e5e264bc32c3e7bf109bd5ab67af0813f43ffe1191", "{\"architectures\":"
                + " [\"SmolLM3ForCausalLM\"], \"model_type\": \"smollm3\", \"no_rope_layer_interval\": 2,"
                + " \"use_sliding_window\": true, \"sliding_window\": 64}"},
            {"e8ab1283039e9e36d164a53c2e97cc70cf550b69c590280b75acbfd5b408e647", "{\"architectures\":"
                + " [\"Olmo3ForCausalLM\"], \"model_type\": \"olmo3\", \"sliding_window\": 100}"},
            {"5a6fba9f5d51bc22b04571f13c900f54584d0f79a277a439c63618a2844dcd4d", "{\"architectures\":"
                + " [\"Olmo3ForCausalLM\"], \"model_type\": \"olmo3\", \"sliding_window\": 64, \"layer_types\":"
                + " [\"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\","
                + " \"sliding_attention\"]}"},
            // OLMo 3 without a window is OLMo 2 (written as it)
            {"ee1facf3f2784f012e17a8a83353df8c9146a7ac4415490157e9b06262656d87", "{\"architectures\":"
                + " [\"Olmo3ForCausalLM\"], \"model_type\": \"olmo3\", \"sliding_window\": null}"},
            {"ee1facf3f2784f012e17a8a83353df8c9146a7ac4415490157e9b06262656d87", "{\"architectures\":"
                + " [\"Olmo2ForCausalLM\"], \"model_type\": \"olmo2\"}"},
            // EXAONE 4: its window and NoPE layers (field 22″), by default and by sliding_window_pattern; the NoPE
            // layers without a window where it covers the context (absent: 4096); neither where it is null
            {"84545dc5e8ce25e28ed4b8b50ca2d0c849ead8059be6bc1037f73abc3d72fb05", "{\"architectures\":"
                + " [\"Exaone4ForCausalLM\"], \"model_type\": \"exaone4\", \"sliding_window\": 100}"},
            {"24531e81c8f76b810a9b83ecad352fb56d01be9fcc0d5fd3ee7aea8f21e25ca4", "{\"architectures\":"
                + " [\"Exaone4ForCausalLM\"], \"model_type\": \"exaone4\", \"sliding_window\": 64,"
                + " \"sliding_window_pattern\": 2}"},
            {"9308ae630e215f05fdd5ebcfdee235603f7729ae6ef44b4648bc7b8f71dfec89", "{\"architectures\":"
                + " [\"Exaone4ForCausalLM\"], \"model_type\": \"exaone4\"}"},
            {"124720adeb7068fe20ff7fbd0a5b15b356e6fbb402b61d2578dd49d52ce9e6cb", "{\"architectures\":"
                + " [\"Exaone4ForCausalLM\"], \"model_type\": \"exaone4\", \"sliding_window\": null, \"layer_types\":"
                + " [\"full_attention\", \"full_attention\", \"full_attention\", \"full_attention\", \"full_attention\"]}"},
            // Ministral 3: its context capped where its query scale leaves 1 (field 10), no window by default
            {"c713a88bda8b3988f913a8f1153759972f517fbf44a50953d6ea5d9ce86b08f0", "{\"architectures\":"
                + " [\"Ministral3ForCausalLM\"], \"model_type\": \"ministral3\", \"rope_parameters\": {\"rope_type\":"
                + " \"yarn\", \"rope_theta\": 1000000.0, \"factor\": 16.0, \"original_max_position_embeddings\": 64,"
                + " \"beta_fast\": 32.0, \"beta_slow\": 1.0, \"mscale\": 1.0, \"mscale_all_dim\": 1.0,"
                + " \"llama_4_scaling_beta\": 0.1}}"},
        };
        for (String[] e : edits) assertEquals(e[0], digest(copy(e[1])), e[1]);
    }

    @Test
    void theSameFolderCopiedElsewhereKeepsItsDigest() throws IOException {
        String shared = digest(TestAssets.model("stories260K"));
        assertEquals(shared, digest(copy("{}")));
        assertEquals(shared, digest(copy("{}")));
        // what cannot change the output: EOS order, keys inference ignores, Mistral without a window (Llama's modules)
        assertEquals(digest(eos("[2, 5]")), digest(eos("[5, 2, 5]")));
        assertEquals(shared, digest(copy("{\"attention_dropout\": 0.1, \"pretraining_tp\": 2}")));
        assertEquals(shared, digest(copy("{\"architectures\": [\"MistralForCausalLM\"], \"sliding_window\": null}")));
    }

    @Test
    void configValuesTheTensorsDoNotFixChangeTheDigestAndTheFingerprint() throws IOException {
        List<String> edits = List.of("{}", LLAMA3, "{\"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 2}}",
                "{\"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 4}}", "{\"rms_norm_eps\": 1e-6}",
                "{\"max_position_embeddings\": 256}", "{\"bos_token_id\": 0}",
                "{\"rope_parameters\": {\"rope_theta\": 5e5}}",
                "{\"architectures\": [\"MistralForCausalLM\"], \"sliding_window\": 128}",
                "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 8, \"group_size\": 32}}");
        Set<String> digests = new HashSet<>();
        // a GPTQ setting too (read without loading: these tensors are dense)
        for (String edit : edits) assertTrue(digests.add(digest(copy(edit))), edit);
        assertTrue(digests.add(digest(eos("[2, 5]"))));
        // end to end: the engine's fingerprint of one request follows the configuration digest
        Request r = new Request("r", Prompt.text("Once upon a time"), SamplingParams.builder().maxTokens(8).build());
        Set<String> fingerprints = new HashSet<>();
        Set<String> v2 = new HashSet<>();
        for (Path folder : List.of(copy("{}"), copy(LLAMA3), copy("{\"rms_norm_eps\": 1e-6}"), eos("[2, 5]"))) {
            try (Engine e = Engine.open(EngineConfig.defaults(folder.toString()).withThreads(1))) {
                assertTrue(fingerprints.add(e.core().fingerprintWith(r, KvCacheDtype.FP32)), folder.toString());
                // EOS ids also reach the tokenizer digest (docs/tokenizer.md); RoPE scaling and eps reached nothing
                if (fingerprints.size() <= 3) v2.add(e.core().v2FingerprintWith(r, KvCacheDtype.FP32));
            }
        }
        assertEquals(1, v2.size(), "v2 could not tell these configurations apart: the reason for v3");
    }
}
