package dev.invariant.engine.model;

/**
 * What an architecture computes beyond the Llama layer every model shares (docs/models.md), or none: Gemma 2 and 3,
 * Granite, SmolLM3, EXAONE 4, HunYuan, GPT-NeoX. A {@link ModelConfig} holds the one its architecture has.
 */
public sealed interface ModelVariant permits Gemma, GptBlock, Granite, NoPeLayers, NtkAlpha {
}
