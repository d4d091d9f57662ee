package dev.invariant.engine;

/** Stable error codes: they travel in completions and CLI output, so other tools may match on them. */
public enum ErrorCode {
    /** A sampling or request parameter is out of range. */
    INVALID_PARAM,
    /** The prompt is empty after tokenisation. */
    EMPTY_PROMPT,
    /** Prompt plus requested tokens do not fit the model's context. */
    PROMPT_TOO_LONG,
    /** The model path, hub id or synthetic preset does not exist. */
    UNKNOWN_MODEL,
    /** Model files exist but cannot be read (corrupt safetensors, missing tensor, bad config). */
    MODEL_FORMAT,
    /** The tokenizer files are missing or cannot be read. */
    TOKENIZER,
    /** The request's deadline passed before it finished. */
    DEADLINE_EXCEEDED,
    /** The engine cannot accept more work right now. */
    OVERLOADED,
    /** A download from the model hub failed. */
    DOWNLOAD,
    /** The selected backend cannot run on this machine (no GPU, no driver, kernels not built). */
    BACKEND_UNAVAILABLE,
    /** Anything else: a bug, reported with its message. */
    INTERNAL
}
