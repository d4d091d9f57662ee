package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;

/**
 * The GPT layer's architectures ({@link GptBlock}) as transformers 5 reads their {@code config.json}: GPT-NeoX, Phi,
 * GPT-2, StarCoder2 and StableLM, each a view under the names the engine reads (their LayerNorm's epsilon as the norms' one, their older RoPE
 * and shape keys), with its configuration class's defaults where it names none, refusing the forms the engine does not
 * compute.
 */
final class HfGpt {
    static final String GPT_NEOX = "GPTNeoXForCausalLM";
    static final String PHI = "PhiForCausalLM";
    static final String GPT2 = "GPT2LMHeadModel";
    static final String STARCODER2 = "Starcoder2ForCausalLM";
    static final String STABLELM = "StableLmForCausalLM";
    /** GPTNeoXConfig's defaults for the keys a config may leave out (gpt-neox-20b's shape). */
    private static final Map<String, Number> GPT_NEOX_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 50_432), Map.entry("hidden_size", 6144), Map.entry("num_hidden_layers", 44),
            Map.entry("num_attention_heads", 64), Map.entry("intermediate_size", 24_576),
            Map.entry("max_position_embeddings", 2048), Map.entry("bos_token_id", 0), Map.entry("eos_token_id", 2));
    /** PhiConfig's defaults for the keys a config may leave out (phi-1_5's shape). */
    private static final Map<String, Number> PHI_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 51_200), Map.entry("hidden_size", 2048), Map.entry("num_hidden_layers", 24),
            Map.entry("num_attention_heads", 32), Map.entry("intermediate_size", 8192),
            Map.entry("max_position_embeddings", 2048), Map.entry("bos_token_id", 1), Map.entry("eos_token_id", 2));
    /** GPT2Config's defaults for the keys a config may leave out (gpt2's shape), under its own names. */
    private static final Map<String, Number> GPT2_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 50_257), Map.entry("n_embd", 768), Map.entry("n_layer", 12),
            Map.entry("n_head", 12), Map.entry("n_positions", 1024), Map.entry("bos_token_id", 50_256),
            Map.entry("eos_token_id", 50_256));

    private HfGpt() {
    }

    /** StableLmConfig's defaults for the keys a config may leave out (stablelm-3b-4e1t's shape). */
    private static final Map<String, Number> STABLELM_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 50_304), Map.entry("hidden_size", 2560), Map.entry("num_hidden_layers", 32),
            Map.entry("num_attention_heads", 32), Map.entry("num_key_value_heads", 32),
            Map.entry("intermediate_size", 6912), Map.entry("max_position_embeddings", 4096),
            Map.entry("bos_token_id", 0), Map.entry("eos_token_id", 0));
    /** Starcoder2Config's defaults for the keys a config may leave out (starcoder2-7b's shape). */
    private static final Map<String, Number> STARCODER2_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 49_152), Map.entry("hidden_size", 3072), Map.entry("num_hidden_layers", 30),
            Map.entry("num_attention_heads", 24), Map.entry("num_key_value_heads", 2),
            Map.entry("intermediate_size", 12_288), Map.entry("max_position_embeddings", 4096),
            Map.entry("bos_token_id", 50_256), Map.entry("eos_token_id", 50_256));

    /** Whether {@code hfName} is one of the GPT layer's architectures. */
    static boolean reads(String hfName) {
        return hfName.equals(GPT_NEOX) || hfName.equals(PHI) || hfName.equals(GPT2) || hfName.equals(STARCODER2)
                || hfName.equals(STABLELM);
    }

    /** Whether q, k and v carry biases: every GPT layer's, StableLM's where use_qkv_bias says so. */
    static boolean qkvBias(Architecture arch, JsonNode c) {
        return arch != Architecture.STABLELM || c.path("use_qkv_bias").asBoolean(false);
    }

    /** The view of {@code c} the engine reads for the GPT layer's architecture {@code hfName} ({@link #reads}). */
    static JsonNode view(String hfName, JsonNode c, Path file) {
        return switch (hfName) {
            case GPT_NEOX -> gptNeox(c, file);
            case PHI -> phi(c, file);
            case STARCODER2 -> starcoder2(c, file);
            case STABLELM -> stableLm(c, file);
            default -> gpt2(c, file);
        };
    }

    /**
     * GPTNeoXForCausalLM (EleutherAI/pythia-*): GPTNeoXConfig's defaults where {@code c} names none, the older
     * {@code rotary_emb_base} (10000) and {@code rotary_pct} (0.25) as rope_theta and partial_rotary_factor where
     * rope_parameters names neither, one key/value head per head of {@code hidden_size / num_attention_heads} dims (its
     * attention reads no head_dim or num_key_value_heads). attention_bias false is refused (the engine's layer has the
     * biases).
     */
    private static JsonNode gptNeox(JsonNode c, Path file) {
        if (!c.path("attention_bias").asBoolean(true)) {
            throw HfConfig.format(file, "attention_bias false is not supported for " + GPT_NEOX
                    + ": the engine computes its layer with a bias on every projection");
        }
        ObjectNode view = layerNormed(HfRelatives.withDefaults(c, GPT_NEOX_DEFAULTS), c, "layer_norm_eps");
        view.remove(java.util.List.of("head_dim", "num_key_value_heads"));
        if (!ropeNames(c, "rope_theta")) view.put("rope_theta", c.path("rotary_emb_base").asDouble(10_000));
        if (!ropeNames(c, "partial_rotary_factor")) {
            view.put("partial_rotary_factor", c.path("rotary_pct").asDouble(0.25));
        }
        return view;
    }

    /**
     * PhiForCausalLM (microsoft/phi-1, phi-1_5, phi-2): PhiConfig's defaults where {@code c} names none,
     * partial_rotary_factor 0.5. qk_layernorm true is refused (the engine norms no q or k of this layer).
     */
    private static JsonNode phi(JsonNode c, Path file) {
        if (c.path("qk_layernorm").asBoolean(false)) {
            throw HfConfig.format(file, "qk_layernorm true is not supported for " + PHI + ": the engine computes its"
                    + " layer without LayerNorms of q and k");
        }
        ObjectNode view = layerNormed(HfRelatives.withDefaults(c, PHI_DEFAULTS), c, "layer_norm_eps");
        if (!ropeNames(c, "partial_rotary_factor")) view.put("partial_rotary_factor", 0.5);
        return view;
    }

    /**
     * Starcoder2ForCausalLM (bigcode/starcoder2-*): Starcoder2Config's defaults where {@code c} names none (tied
     * embeddings; its window, where set, is read as Phi-3's: HfSemantics.slidingWindow). use_bias false is refused (the
     * engine's layer has the biases).
     */
    private static JsonNode starcoder2(JsonNode c, Path file) {
        if (!c.path("use_bias").asBoolean(true)) {
            throw HfConfig.format(file, "use_bias false is not supported for " + STARCODER2
                    + ": the engine computes its layer with a bias on every projection");
        }
        ObjectNode view = layerNormed(HfRelatives.withDefaults(c, STARCODER2_DEFAULTS), c, "norm_epsilon");
        if (!c.hasNonNull("tie_word_embeddings")) view.put("tie_word_embeddings", true);
        return view;
    }

    /**
     * StableLmForCausalLM (stabilityai/stablelm-*): StableLmConfig's defaults where {@code c} names none
     * (partial_rotary_factor 0.25). use_parallel_residual true and qk_layernorm true (stablelm-2-12b's form: its
     * residual adds x + attn + mlp in that order, and LayerNorms each head of q and k) are refused.
     */
    private static JsonNode stableLm(JsonNode c, Path file) {
        for (String key : new String[] {"use_parallel_residual", "qk_layernorm"}) {
            if (c.path(key).asBoolean(false)) {
                throw HfConfig.format(file, key + " true is not supported for " + STABLELM + ": the engine computes"
                        + " its layer in sequence, without LayerNorms of q and k");
            }
        }
        ObjectNode view = layerNormed(HfRelatives.withDefaults(c, STABLELM_DEFAULTS), c, "layer_norm_eps");
        if (!ropeNames(c, "partial_rotary_factor")) view.put("partial_rotary_factor", 0.25);
        return view;
    }

    /**
     * GPT2LMHeadModel (openai-community/gpt2): GPT2Config's attribute map (n_embd, n_head, n_layer, n_positions;
     * n_inner, absent or null: 4 × n_embd) and defaults where {@code c} names none (tied embeddings).
     * scale_attn_weights false, scale_attn_by_inverse_layer_idx true and add_cross_attention true are refused (the
     * engine scales every layer's scores by head_dim^-0.5 alone).
     */
    private static JsonNode gpt2(JsonNode c, Path file) {
        for (String key : new String[] {"scale_attn_by_inverse_layer_idx", "add_cross_attention"}) {
            if (c.path(key).asBoolean(false)) {
                throw HfConfig.format(file, key + " true is not supported for " + GPT2 + ": the engine computes its"
                        + " layer with scores scaled by head_dim^-0.5 and no cross-attention");
            }
        }
        if (!c.path("scale_attn_weights").asBoolean(true)) {
            throw HfConfig.format(file, "scale_attn_weights false is not supported for " + GPT2 + ": the engine scales"
                    + " the scores by head_dim^-0.5");
        }
        ObjectNode named = HfRelatives.withDefaults(c, GPT2_DEFAULTS);
        ObjectNode view = layerNormed(named.deepCopy(), c, "layer_norm_epsilon");
        view.remove(java.util.List.of("head_dim", "num_key_value_heads"));
        view.set("hidden_size", named.get("n_embd"));
        view.set("num_attention_heads", named.get("n_head"));
        view.set("num_hidden_layers", named.get("n_layer"));
        view.set("max_position_embeddings", named.get("n_positions"));
        view.put("intermediate_size", c.hasNonNull("n_inner") ? c.get("n_inner").asInt()
                : 4 * named.get("n_embd").asInt());
        if (!c.hasNonNull("tie_word_embeddings")) view.put("tie_word_embeddings", true);
        return view;
    }

    /**
     * The GPT layer: whether attention and MLP run in parallel (GPT-NeoX's {@code use_parallel_residual}, default
     * true; Phi's always; GPT-2's and StarCoder2's never) and the MLP's activation as transformers' ACT2FN names it (GPT-NeoX's
     * {@code hidden_act}, default gelu: the exact GELU; Phi's, default gelu_new, and GPT-2's
     * {@code activation_function}, default gelu_new, StarCoder2's, default gelu_pytorch_tanh: gelu_new and
     * gelu_pytorch_tanh are the tanh form); GPT-2's positions learned.
     */
    static GptBlock block(Architecture arch, JsonNode c, Path file) {
        boolean gpt2 = arch == Architecture.GPT2;
        boolean phi = arch == Architecture.PHI;
        boolean starcoder2 = arch == Architecture.STARCODER2;
        if (arch == Architecture.STABLELM) {
            // Llama's gated MLP: SiLU (silu or swish), as refuseUnsupported has checked
            return new GptBlock(false, Activation.SILU, false);
        }
        String key = gpt2 ? "activation_function" : "hidden_act";
        JsonNode act = c.get(key);
        String absent = phi || gpt2 ? "gelu_new" : starcoder2 ? "gelu_pytorch_tanh" : "gelu";
        String name = act == null || act.isNull() ? absent : act.asText("");
        Activation activation = switch (name) {
            case "gelu" -> Activation.GELU_ERF;
            case "gelu_new", "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            default -> throw HfConfig.format(file, key + " " + act + " is not supported for " + arch.hfName()
                    + ": the engine's MLP computes gelu (exact), gelu_new or gelu_pytorch_tanh");
        };
        if (gpt2 || starcoder2) return new GptBlock(false, activation, gpt2);
        return new GptBlock(phi || c.path("use_parallel_residual").asBoolean(true), activation);
    }

    /** {@code view} with the LayerNorm's epsilon ({@code key} of {@code c}, default 1e-5) as the norms' epsilon. */
    private static ObjectNode layerNormed(ObjectNode view, JsonNode c, String key) {
        return view.put("rms_norm_eps", c.path(key).isNumber() ? c.get(key).asDouble() : 1e-5);
    }

    /** Whether {@code c} names {@code key} at the top level or in its RoPE's parameters. */
    private static boolean ropeNames(JsonNode c, String key) {
        JsonNode p = c.path("rope_parameters").isObject() && !c.path("rope_parameters").isEmpty()
                ? c.get("rope_parameters") : c.path("rope_scaling");
        return p.has(key) || c.has(key);
    }
}
