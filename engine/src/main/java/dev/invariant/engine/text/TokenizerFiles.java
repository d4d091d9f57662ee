package dev.invariant.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The raw files of a Hugging Face tokenizer, read once. Optional files that are absent are null (bytes) or
 * {@link MissingNode} (parsed JSON), so callers can use {@code path(...)} without null checks.
 */
record TokenizerFiles(
        Path folder,
        byte[] tokenizerJson,
        byte[] tokenizerConfigBytes,
        JsonNode tokenizerConfig,
        String chatTemplateFile,
        JsonNode generationConfig,
        JsonNode modelConfig) {

    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String CHAT_TEMPLATE = "chat_template.jinja";
    private static final ObjectMapper JSON = new ObjectMapper();

    static TokenizerFiles read(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new EngineException(ErrorCode.TOKENIZER, "tokenizer folder " + folder.toAbsolutePath()
                    + " does not exist or is not a directory: pass a Hugging Face model folder");
        }
        byte[] tokenizerJson = bytes(folder, TOKENIZER_JSON);
        if (tokenizerJson == null) {
            throw new EngineException(ErrorCode.TOKENIZER, TOKENIZER_JSON + " is missing in " + folder.toAbsolutePath()
                    + ": only fast (tokenizer.json) tokenizers are supported; export one with transformers"
                    + " (AutoTokenizer.from_pretrained(...).save_pretrained(folder))");
        }
        byte[] configBytes = bytes(folder, TOKENIZER_CONFIG);
        byte[] template = bytes(folder, CHAT_TEMPLATE);
        return new TokenizerFiles(folder, tokenizerJson, configBytes, json(folder, TOKENIZER_CONFIG, configBytes),
                template == null ? null : new String(template, StandardCharsets.UTF_8),
                json(folder, "generation_config.json", bytes(folder, "generation_config.json")),
                json(folder, "config.json", bytes(folder, "config.json")));
    }

    /** The file's bytes, or null when it does not exist. */
    private static byte[] bytes(Path folder, String name) {
        try {
            return Files.readAllBytes(folder.resolve(name));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new EngineException(ErrorCode.TOKENIZER, "cannot read " + folder.resolve(name).toAbsolutePath()
                    + ": " + e.getMessage() + "; check the file's permissions", e);
        }
    }

    private static JsonNode json(Path folder, String name, byte[] bytes) {
        if (bytes == null) return MissingNode.getInstance();
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) throw new IOException("the top level is not a JSON object");
            return node;
        } catch (IOException e) {
            throw new EngineException(ErrorCode.TOKENIZER, folder.resolve(name).toAbsolutePath()
                    + " is not valid JSON (" + e.getMessage() + "); restore it from the model's original files", e);
        }
    }
}
