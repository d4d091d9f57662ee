package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/** Decoder architectures the engine runs; each has one forward pass and one HF-name mapping. */
public enum Architecture {
    /** LlamaForCausalLM (incl. SmolLM2 and llama2.c TinyStories conversions). */
    LLAMA("LlamaForCausalLM"),
    /** Qwen2ForCausalLM (Qwen1.5, Qwen2, Qwen2.5): bias on q/k/v projections. */
    QWEN2("Qwen2ForCausalLM"),
    /** Qwen3ForCausalLM: RMSNorm on each query and key head (q_norm, k_norm), no bias. */
    QWEN3("Qwen3ForCausalLM");

    private final String hfName;

    Architecture(String hfName) {
        this.hfName = hfName;
    }

    public String hfName() {
        return hfName;
    }

    public static Architecture fromHf(String name) {
        for (Architecture a : values()) {
            if (a.hfName.equals(name)) return a;
        }
        throw new EngineException(ErrorCode.MODEL_FORMAT, "unsupported architecture '" + name
                + "': supported are LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM");
    }
}
