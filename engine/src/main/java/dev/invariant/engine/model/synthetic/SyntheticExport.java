package dev.invariant.engine.model.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.ProgressListener;
import dev.invariant.engine.model.SafetensorsWriter;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.gptq.GptqConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a synthetic model as a Hugging Face folder ({@code config.json} + {@code model.safetensors}, or
 * {@code model-0000i-of-0000n.safetensors} shards with {@code model.safetensors.index.json} when larger
 * than the shard limit), so other engines read exactly the same weights. Weights are streamed from the
 * generator, so exporting needs memory for one piece, not for the model. Loading the folder gives the
 * same weights digest as the synthetic model itself.
 */
public final class SyntheticExport {
    /** transformers' default {@code max_shard_size}. */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SyntheticExport() {
    }

    /** Exports {@code synthetic:NAME[@dtype]} (or just NAME[@dtype]) into {@code dir}; returns dir. */
    public static Path export(String spec, Path dir) {
        return export(spec, dir, DEFAULT_SHARD_BYTES, ProgressListener.NONE);
    }

    public static Path export(String spec, Path dir, long maxShardBytes, ProgressListener progress) {
        if (maxShardBytes <= 0) throw new EngineException(ErrorCode.INVALID_PARAM, "shard size must be > 0");
        SyntheticModel m = SyntheticModel.create(spec);
        List<Map<String, Tensor>> shards = split(m.tensors(), maxShardBytes);
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve("model.safetensors"));
            Files.deleteIfExists(dir.resolve("model.safetensors.index.json"));
            Map<String, String> meta = Map.of("format", "pt", "invariant_synthetic", m.id());
            if (shards.size() == 1) {
                SafetensorsWriter.write(dir.resolve("model.safetensors"), m.tensors(), meta, m.source(), progress);
            } else {
                ObjectNode index = JSON.createObjectNode();
                index.putObject("metadata").put("total_size", m.byteSize());
                ObjectNode map = index.putObject("weight_map");
                for (int i = 0; i < shards.size(); i++) {
                    String file = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
                    SafetensorsWriter.write(dir.resolve(file), shards.get(i), meta, m.source(), progress);
                    for (String name : shards.get(i).keySet()) map.put(name, file);
                }
                Files.writeString(dir.resolve("model.safetensors.index.json"),
                        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n");
            }
            Files.writeString(dir.resolve("config.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson(m)) + "\n");
            if (m.preset().gptq() != null) {
                Files.writeString(dir.resolve("quantize_config.json"), JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(quantizeConfig(JSON.createObjectNode(), m.preset().gptq())) + "\n");
            }
        } catch (IOException e) {
            throw new EngineException(ErrorCode.INTERNAL, "cannot export " + m.id() + " to " + dir + ": " + e.getMessage()
                    + "; check that the folder is writable and the disk has room", e);
        }
        return dir;
    }

    /** Tensors in layout order, cut into shards of at most maxBytes (a larger single tensor gets its own). */
    static List<Map<String, Tensor>> split(Map<String, Tensor> tensors, long maxBytes) {
        var out = new ArrayList<Map<String, Tensor>>();
        Map<String, Tensor> cur = new LinkedHashMap<>();
        long size = 0;
        for (Tensor t : tensors.values()) {
            if (!cur.isEmpty() && size + t.byteSize() > maxBytes) {
                out.add(cur);
                cur = new LinkedHashMap<>();
                size = 0;
            }
            cur.put(t.name(), t);
            size += t.byteSize();
        }
        out.add(cur);
        return out;
    }

    /** The GPTQ settings as AutoGPTQ's quantize_config.json (and transformers' quantization_config) spell them. */
    static ObjectNode quantizeConfig(ObjectNode n, GptqConfig q) {
        n.put("quant_method", "gptq");
        n.put("bits", q.bits());
        n.put("group_size", q.groupSize());
        n.put("desc_act", q.descAct());
        n.put("sym", q.sym());
        n.put("true_sequential", true);
        n.put("checkpoint_format", q.v2() ? "gptq_v2" : "gptq");
        return n;
    }

    /** Qwen2-MoE's or Qwen3-MoE's architecture and keys for a preset with experts (the dense layers listed). */
    private static void experts(ObjectNode n, ModelConfig c) {
        var m = c.moe();
        boolean two = c.architecture() == dev.invariant.engine.model.Architecture.QWEN2;
        if (!two && c.architecture() != dev.invariant.engine.model.Architecture.QWEN3) {
            throw new IllegalArgumentException("synthetic experts are Qwen2-MoE's or Qwen3-MoE's");
        }
        n.putArray("architectures").add(two ? "Qwen2MoeForCausalLM" : "Qwen3MoeForCausalLM");
        n.put("model_type", two ? "qwen2_moe" : "qwen3_moe");
        n.put("num_experts", m.numExperts());
        n.put("num_experts_per_tok", m.expertsPerToken());
        n.put("moe_intermediate_size", m.expertSize());
        n.put("norm_topk_prob", m.normTopK());
        if (two) n.put("shared_expert_intermediate_size", m.sharedExpertSize());
        n.put("decoder_sparse_step", 1);
        var dense = n.putArray("mlp_only_layers");
        for (int l = 0; l < c.numLayers(); l++) {
            if (!m.sparse(l)) dense.add(l);
        }
    }

    /** A config.json that transformers, Jlama and {@code HfConfig} read as this preset's shape. */
    static ObjectNode configJson(SyntheticModel m) {
        ModelConfig c = m.config();
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add(c.architecture().hfName());
        n.put("model_type", switch (c.architecture()) {
            case LLAMA -> "llama";
            case QWEN2 -> "qwen2";
            case QWEN3 -> "qwen3";
            case GEMMA, GEMMA2, GEMMA3, GRANITE, SMOLLM3, OLMO2, GLM4, OLMOE, EXAONE4, HUNYUAN, GPT_NEOX, PHI,
                 GPT2, STARCODER2, STABLELM ->
                    throw new IllegalArgumentException("no synthetic preset is a " + c.architecture().hfName());
        });
        n.put("hidden_size", c.hiddenSize());
        n.put("intermediate_size", c.intermediateSize());
        n.put("num_hidden_layers", c.numLayers());
        n.put("num_attention_heads", c.numHeads());
        n.put("num_key_value_heads", c.numKvHeads());
        n.put("head_dim", c.headDim());
        n.put("vocab_size", c.vocabSize());
        n.put("max_position_embeddings", c.maxPositionEmbeddings());
        n.put("rope_theta", c.ropeTheta());
        // the float's shortest decimal (1e-5, not 9.99999974e-6), so every reader gets the same float back
        n.put("rms_norm_eps", Double.parseDouble(Float.toString(c.rmsNormEps())));
        n.put("tie_word_embeddings", c.tieWordEmbeddings());
        if (c.architecture() != dev.invariant.engine.model.Architecture.QWEN2) n.put("attention_bias", c.attentionBias());
        n.put("hidden_act", "silu");
        n.put("bos_token_id", c.bosTokenId());
        if (c.eosTokenIds().size() == 1) {
            n.put("eos_token_id", c.eosTokenIds().getFirst());
        } else {
            var eos = n.putArray("eos_token_id");
            c.eosTokenIds().forEach(eos::add);
        }
        n.put("torch_dtype", switch (m.dtype()) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case I32 -> throw new IllegalStateException("dense tensors are never I32");
        });
        if (c.moe() != null) experts(n, c);
        GptqConfig q = m.preset().gptq();
        if (q != null) quantizeConfig(n.putObject("quantization_config"), q);
        n.put("invariant_synthetic", m.id());
        return n;
    }
}
