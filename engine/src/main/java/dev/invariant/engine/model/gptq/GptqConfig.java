package dev.invariant.engine.model.gptq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/**
 * A GPTQ checkpoint's quantisation settings, as AutoGPTQ writes them in {@code quantize_config.json} (or transformers
 * in {@code config.json}'s {@code quantization_config}).
 *
 * @param bits      4 or 8: values per int32 word = 32 / bits
 * @param groupSize input rows sharing one scale and zero, or -1 for one group over the whole input
 * @param descAct   act-order: the checkpoint's {@code g_idx} is a permutation, not {@code k / groupSize}
 * @param sym       symmetric quantisation (every zero is 2^(bits-1)); informative, zeros are always read from qzeros
 * @param v2        {@code checkpoint_format: gptq_v2} stores zeros as they are; the default v1 format ("gptq", what
 *                  AutoGPTQ and transformers write) stores zero - 1 (docs/numerics.md, "GPTQ weights")
 */
public record GptqConfig(int bits, int groupSize, boolean descAct, boolean sym, boolean v2) {
    public GptqConfig {
        if (bits != 4 && bits != 8) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "GPTQ bits = " + bits + " is not supported: only 4 and 8 are");
        }
        if (groupSize != -1 && groupSize < 1) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "GPTQ group_size must be -1 or >= 1, got " + groupSize);
        }
    }

    /** Values packed in one int32. */
    public int pack() {
        return 32 / bits;
    }

    /** Groups along an input dimension of {@code in} rows (AutoGPTQ: ceil(in / group_size), or 1). */
    public int groups(int in) {
        return groupSize == -1 ? 1 : (in + groupSize - 1) / groupSize;
    }

    /** e.g. {@code gptq int8 g128 sym} or {@code gptq int4 g32 desc_act asym v2}: shown in model descriptions. */
    public String describe() {
        return "gptq int" + bits + " g" + groupSize + (descAct ? " desc_act" : "") + (sym ? " sym" : " asym")
                + (v2 ? " v2" : "");
    }

    /**
     * Reads {@code bits}, {@code group_size}, {@code desc_act}, {@code sym}, {@code checkpoint_format} from a
     * quantize_config.json object or a config.json {@code quantization_config}; {@code where} names it in errors.
     */
    public static GptqConfig fromJson(JsonNode n, String where) {
        String method = n.path("quant_method").asText("gptq");
        if (!method.equals("gptq")) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, where + ": quant_method '" + method
                    + "' is not supported: only GPTQ checkpoints (quant_method gptq) are");
        }
        if (!n.path("bits").isInt()) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, where + ": 'bits' must be an integer, got " + n.get("bits"));
        }
        String format = n.path("checkpoint_format").asText("gptq");
        if (!format.equals("gptq") && !format.equals("gptq_v2")) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, where + ": checkpoint_format '" + format
                    + "' is not supported: use gptq (AutoGPTQ v1) or gptq_v2");
        }
        try {
            return new GptqConfig(n.get("bits").asInt(), n.path("group_size").asInt(-1), n.path("desc_act").asBoolean(false),
                    n.path("sym").asBoolean(true), format.equals("gptq_v2"));
        } catch (EngineException e) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, where + ": " + e.getMessage());
        }
    }
}
