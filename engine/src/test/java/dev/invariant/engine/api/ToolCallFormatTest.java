package dev.invariant.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.text.ChatTemplate;
import dev.invariant.engine.text.Tokenizer;
import org.junit.jupiter.api.Test;

/** Which form a model writes tool calls in, read from its chat template, and the vLLM names a worker may set. */
class ToolCallFormatTest {
    private static ToolCallFormat ofModel(String name) {
        try (Tokenizer t = Tokenizer.load(TestAssets.model(name))) {
            return ToolCallFormat.detect(t.chatTemplate().map(ChatTemplate::source).orElse(null));
        }
    }

    @Test
    void qwenTemplatesTeachHermesAndNoTemplateFallsBackToIt() {
        assertEquals(ToolCallFormat.HERMES, ofModel("tiny-qwen2"));
        assertEquals(ToolCallFormat.HERMES, ofModel("tiny-qwen3"));
        assertEquals(ToolCallFormat.HERMES, ofModel("stories260K"));
        assertEquals(ToolCallFormat.HERMES, ToolCallFormat.detect(null));
    }

    @Test
    void llamaAndMistralTemplatesAreRecognisedByWhatTheyTeach() {
        // the lines of Llama 3.1's and 3.2's templates that show the model its call form
        assertEquals(ToolCallFormat.LLAMA3_JSON, ToolCallFormat.detect("{{- '<|start_header_id|>assistant<|end_header_id|>"
                + "\\n\\n' -}}{{- '{\"name\": \"' + tool_call.name + '\", ' }}{{- '\"parameters\": ' }}"));
        assertEquals(ToolCallFormat.LLAMA3_JSON, ToolCallFormat.detect("{{- \"<|python_tag|>\" + tool_call.name }}"));
        // Mistral's: the calls after the [TOOL_CALLS] token
        assertEquals(ToolCallFormat.MISTRAL, ToolCallFormat.detect("{{- \"[TOOL_CALLS] [\" }}{%- for tool_call in"
                + " message.tool_calls %}"));
        // a Llama-3-style template without tools says nothing about calls
        assertEquals(ToolCallFormat.HERMES, ToolCallFormat.detect("<|start_header_id|>{{ message['role'] }}"));
    }

    @Test
    void workersNameFormsAsVllmDoes() {
        assertNull(ToolCallFormat.of("auto"));
        assertNull(ToolCallFormat.of(null));
        assertEquals(ToolCallFormat.LLAMA3_JSON, ToolCallFormat.of("llama3_json"));
        assertEquals(ToolCallFormat.MISTRAL, ToolCallFormat.of(" mistral "));
        EngineException e = assertThrows(EngineException.class, () -> ToolCallFormat.of("pythonic"));
        assertTrue(e.getMessage().contains("tool_call_parser='pythonic'") && e.getMessage().contains("llama3_json"),
                e.getMessage());
    }
}
