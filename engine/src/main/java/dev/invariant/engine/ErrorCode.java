package dev.invariant.engine;

/** Stable error codes: they travel in completions and CLI output, so other tools may match on them. */
public enum ErrorCode {
    /** A sampling or request parameter is out of range. */
    INVALID_PARAM,
    /** The prompt is empty after tokenisation. */
    EMPTY_PROMPT,
    /**
     * Prompt plus max_tokens exceed the model's context length (max_model_len), the rule OpenAI and vLLM apply;
     * nothing is capped silently.
     */
    PROMPT_TOO_LONG,
    /**
     * Prompt plus max_tokens fit the model's context but not this engine's KV cache (a deployment setting):
     * lower max_tokens or run the engine with a larger cache.
     */
    KV_CACHE_TOO_SMALL,
    /** The model path, hub id or synthetic preset does not exist. */
    UNKNOWN_MODEL,
    /** Model files exist but cannot be read (corrupt safetensors, missing tensor, bad config). */
    MODEL_FORMAT,
    /** The tokenizer files are missing or cannot be read. */
    TOKENIZER,
    /** The request's deadline passed before it finished. */
    DEADLINE_EXCEEDED,
    /**
     * The caller abandoned the request before it finished (an HTTP client that closed its connection): the engine
     * dropped it and freed its KV cache.
     */
    CANCELLED,
    /** The engine cannot accept more work right now. */
    OVERLOADED,
    /** A download from the model hub failed. */
    DOWNLOAD,
    /** The selected backend cannot run on this machine (no GPU, no driver, kernels not built). */
    BACKEND_UNAVAILABLE,
    /** Anything else: a bug, reported with its message. */
    INTERNAL
}
