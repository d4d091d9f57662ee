package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.gptq.GptqConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a Hugging Face model folder's {@code config.json} (+ {@code generation_config.json}) into a {@link ModelConfig}. */
public final class HfConfig {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MISTRAL3 = "Mistral3ForConditionalGeneration";
    private static final java.util.Set<String> QWEN_VL = java.util.Set.of("Qwen2VLForConditionalGeneration",
            "Qwen2_5_VLForConditionalGeneration");

    private HfConfig() {
    }

    /**
     * The model's configuration. EOS ids come from generation_config.json when it names them (it is what
     * generation uses), else from config.json; either may hold an int or a list.
     */
    public static ModelConfig read(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "model folder " + folder + " does not exist");
        }
        Path configFile = folder.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "no config.json in " + folder
                    + ": point at a Hugging Face model folder");
        }
        JsonNode c = parse(configFile);
        JsonNode gen = null;
        Path genFile = folder.resolve("generation_config.json");
        if (Files.isRegularFile(genFile)) gen = parse(genFile);

        JsonNode archs = c.path("architectures");
        if (!archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
            throw format(configFile, "'architectures' must be a non-empty list of names");
        }
        String hfName = archs.get(0).asText();
        Architecture arch = Architecture.fromHf(hfName);
        if (arch == Architecture.GEMMA3) c = HfGemma.gemma3Text(c, configFile);
        if (hfName.equals(MISTRAL3)) {
            // Mistral Small 3.x: a Mistral text model under text_config, read as MistralForCausalLM
            c = textConfig(c, configFile);
            hfName = "MistralForCausalLM";
        }
        // Ministral 3 (top level, or the text model above): its own defaults and context
        boolean ministral3 = HfRelatives.isMinistral3(hfName, c);
        if (ministral3) {
            c = HfRelatives.ministral3(c);
            hfName = "MistralForCausalLM";
        } else if (hfName.equals(HfSemantics.GLM) || hfName.equals(HfSemantics.GLM4)) {
            c = HfRelatives.glm(c, configFile);
        } else if (hfName.equals(HfSemantics.ERNIE45)) {
            c = HfRelatives.ernie(c, configFile);
        } else if (HfGpt.reads(hfName)) {
            // GPT-NeoX, Phi, GPT-2, StarCoder2, StableLM: the GPT layer, read under the engine's names
            c = HfGpt.view(hfName, c, configFile);
        } else if (hfName.equals(HfSemantics.HUNYUAN)) {
            c = HfRelatives.hunyuan(c, configFile);
        } else if (hfName.equals(HfSemantics.GRANITE_HYBRID)) {
            // Granite 4.0's dense form: Granite's layer, its MLP's width from shared_intermediate_size
            c = HfRelatives.graniteHybrid(c, configFile);
            hfName = "GraniteForCausalLM";
        } else if (QWEN_VL.contains(hfName)) {
            // Qwen2-VL, Qwen2.5-VL: a Qwen2 text model, its keys at the top level (the hub's) or under text_config
            c = HfSemantics.textMropeAsDefault(c.has("text_config") ? textConfig(c, configFile) : c);
            hfName = "Qwen2ForCausalLM";
        }
        boolean gemma = arch.gemma();
        if (gemma) {
            HfGemma.refuseUnsupported(arch, c, configFile);
        } else {
            HfSemantics.refuseUnsupported(hfName, c, configFile);
        }

        int hidden = requiredInt(c, "hidden_size", configFile);
        int heads = requiredInt(c, "num_attention_heads", configFile);
        int kvHeads = c.has("num_key_value_heads") && !c.get("num_key_value_heads").isNull()
                ? requiredInt(c, "num_key_value_heads", configFile) : heads;
        if (heads <= 0) throw format(configFile, "num_attention_heads must be > 0");
        int headDim = c.has("head_dim") && !c.get("head_dim").isNull()
                ? requiredInt(c, "head_dim", configFile) : hidden / heads;
        int layers = requiredInt(c, "num_hidden_layers", configFile);
        int maxPositions = c.path("max_position_embeddings").asInt(defaultMaxPositions(hfName));

        List<Integer> eos = gen != null ? idList(gen.get("eos_token_id"), genFile) : List.of();
        if (eos.isEmpty()) eos = idList(c.get("eos_token_id"), configFile);

        try {
            boolean olmo3 = hfName.equals(HfSemantics.OLMO3);
            HfRope.Rope rope = gemma ? HfGemma.fullRope(arch, c, maxPositions)
                    : HfRope.read(arch == Architecture.SMOLLM3 ? HfSemantics.withTheta(c, 2_000_000.0)
                            : olmo3 ? HfRope.fullLayers(c) : c, maxPositions);
            rope = new HfRope.Rope(rope.theta(), HfSemantics.rotation(hfName, rope.scaling(), configFile));
            int context = context(maxPositions, rope.scaling());
            if (ministral3) context = HfRelatives.ministral3Context(c, context, configFile);
            SlidingWindow window = gemma ? HfGemma.window(arch, c, layers, configFile)
                    : HfSemantics.slidingWindow(hfName, c, layers, context, configFile);
            if (olmo3) HfSemantics.olmo3(c, rope, window, layers, configFile);
            return new ModelConfig(arch,
                    hidden,
                    requiredInt(c, "intermediate_size", configFile),
                    layers,
                    heads,
                    kvHeads,
                    headDim,
                    requiredInt(c, "vocab_size", configFile),
                    context,
                    rope.theta(),
                    (float) requiredDouble(c, "rms_norm_eps", configFile),
                    // Gemma's and SmolLM3's configs tie by default
                    c.path("tie_word_embeddings").asBoolean(gemma || arch == Architecture.SMOLLM3),
                    // the others' attention_bias is refused (HfSemantics, HfGemma)
                    arch == Architecture.QWEN2 || arch == Architecture.GLM4
                            || arch.layerNorm() && HfGpt.qkvBias(arch, c),
                    arch == Architecture.QWEN3 || arch == Architecture.GEMMA3 || arch == Architecture.OLMO2
                            || arch == Architecture.OLMOE || arch == Architecture.EXAONE4 || arch == Architecture.HUNYUAN,
                    c.path("bos_token_id").isInt() ? c.get("bos_token_id").asInt() : -1,
                    eos,
                    rope.scaling(),
                    window,
                    switch (arch) {
                        case GEMMA, GEMMA2, GEMMA3 -> HfGemma.read(arch, c, rope.theta(), headDim, configFile);
                        case GRANITE -> HfSemantics.granite(c, configFile);
                        case SMOLLM3 -> HfSemantics.smolLm3(c, layers, configFile);
                        case EXAONE4 -> HfSemantics.exaone4(c, layers, configFile);
                        case HUNYUAN -> HfRelatives.ntkAlpha(c);
                        case GPT_NEOX, PHI, GPT2, STARCODER2, STABLELM -> HfGpt.block(arch, c, configFile);
                        case LLAMA, QWEN2, QWEN3, OLMO2, GLM4, OLMOE -> null;
                    },
                    HfSemantics.moe(hfName, c, layers, configFile));
        } catch (EngineException e) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, folder + "/" + e.getMessage());
        }
    }

    /**
     * The GPTQ settings of a quantised checkpoint: {@code config.json}'s {@code quantization_config} (transformers),
     * else {@code quantize_config.json} (AutoGPTQ); null for a dense model.
     */
    public static GptqConfig quantization(Path folder) {
        Path configFile = folder.resolve("config.json");
        JsonNode q = Files.isRegularFile(configFile) ? parse(configFile).path("quantization_config") : null;
        if (q != null && q.isObject()) return GptqConfig.fromJson(q, configFile + " quantization_config");
        Path qFile = folder.resolve("quantize_config.json");
        return Files.isRegularFile(qFile) ? GptqConfig.fromJson(parse(qFile), qFile.toString()) : null;
    }

    /**
     * The context the engine computes exactly: longrope stops at its original context, past which transformers
     * switches every position of the sequence to its long factors (the keys cached before would be of other ones);
     * yarn reaches original_max_position_embeddings × factor where max_position_embeddings says less.
     */
    private static int context(int positions, RopeScaling rope) {
        return switch (rope.type()) {
            case LONGROPE -> Math.min(positions, rope.originalMaxPositions());
            // yarn's frequencies are fixed for every length: its context is what it scales to (as vLLM derives it)
            case YARN -> (int) Math.min(Integer.MAX_VALUE,
                    Math.max(positions, (long) (rope.originalMaxPositions() * rope.factor())));
            default -> positions;
        };
    }

    /**
     * A multimodal checkpoint's language model (Gemma3ForConditionalGeneration, Mistral3ForConditionalGeneration, Qwen's
     * VL models where they have one): its
     * {@code text_config}, with the top level's token ids and {@code tie_word_embeddings} where it names them (as
     * generation reads the ids: google's configs name the end-of-turn token there; transformers 5 ties lm_head by the
     * top level's key and writes the text model's defaults under text_config).
     */
    static ObjectNode textConfig(JsonNode c, Path file) {
        JsonNode text = c.path("text_config");
        if (!text.isObject()) throw format(file, "text_config must be an object, got " + text);
        ObjectNode view = text.deepCopy();
        for (String key : List.of("bos_token_id", "eos_token_id", "tie_word_embeddings")) {
            if (c.has(key)) view.set(key, c.get(key));
        }
        return view;
    }

    /**
     * transformers' default when config.json has no {@code max_position_embeddings}, per configuration class (Gemma
     * 3's is among HfGemma's Gemma3TextConfig defaults, filled in before).
     */
    static int defaultMaxPositions(String hfName) {
        return switch (hfName) {
            case "MistralForCausalLM" -> 4096 * 32;
            case "Phi3ForCausalLM" -> 4096;
            case HfSemantics.GLM, HfSemantics.GLM4, HfSemantics.ERNIE45 -> 131072;
            case "Qwen2ForCausalLM", "Qwen3ForCausalLM", "SmolLM3ForCausalLM", HfSemantics.QWEN2_MOE,
                 HfSemantics.QWEN3_MOE -> 32768;
            case HfSemantics.MIXTRAL -> 4096 * 32;
            case HfSemantics.OLMOE -> 4096;
            case "Gemma2ForCausalLM", "GemmaForCausalLM" -> 8192;
            default -> 2048; // LlamaConfig
        };
    }

    private static List<Integer> idList(JsonNode n, Path file) {
        List<Integer> ids = new ArrayList<>();
        if (n == null || n.isNull() || n.isMissingNode()) return ids;
        if (n.isInt()) {
            ids.add(n.asInt());
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isInt()) throw format(file, "eos_token_id entries must be integers, got " + e);
                ids.add(e.asInt());
            }
        } else {
            throw format(file, "eos_token_id must be an integer or a list of integers, got " + n);
        }
        return ids;
    }

    private static int requiredInt(JsonNode c, String key, Path file) {
        JsonNode n = c.get(key);
        if (n == null || !n.isInt()) throw format(file, "'" + key + "' must be an integer, got " + n);
        return n.asInt();
    }

    private static double requiredDouble(JsonNode c, String key, Path file) {
        JsonNode n = c.get(key);
        if (n == null || !n.isNumber()) throw format(file, "'" + key + "' must be a number, got " + n);
        return n.asDouble();
    }

    private static JsonNode parse(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw format(file, "not a JSON object");
            return n;
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, file + ": cannot be read as JSON ("
                    + e.getMessage() + "); re-download the model files", e);
        }
    }

    static EngineException format(Path file, String what) {
        return new EngineException(ErrorCode.MODEL_FORMAT, file + ": " + what);
    }
}
