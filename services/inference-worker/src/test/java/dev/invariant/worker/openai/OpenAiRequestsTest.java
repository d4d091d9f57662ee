package dev.invariant.worker.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.JsonFields;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** vLLM's sampling extensions this server does not implement: refused unless sent with the value that changes nothing. */
class OpenAiRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Each vLLM-only parameter with a value vLLM would act on. */
    private static final Map<String, String> HONOURED_BY_VLLM = Map.ofEntries(
            Map.entry("bad_words", "[\"dragon\"]"),
            Map.entry("spaces_between_special_tokens", "false"),
            Map.entry("truncate_prompt_tokens", "10"),
            Map.entry("guided_decoding_backend", "\"xgrammar\""),
            Map.entry("guided_whitespace_pattern", "\" \""));

    /** What clients send when they mean "not used": the defaults, and null. */
    private static final Map<String, String> NEUTRAL = Map.of(
            "bad_words", "[]",
            "spaces_between_special_tokens", "true");

    private static void check(String body) throws Exception {
        OpenAiRequests.refuseUnsupported(JsonFields.of(JSON.readTree(body)));
    }

    @Test
    void aValueVllmWouldActOnIsRefusedNamingTheParameter() {
        HONOURED_BY_VLLM.forEach((name, value) -> {
            var e = assertThrows(EngineException.class, () -> check("{\"" + name + "\": " + value + "}"), name);
            assertEquals(ErrorCode.INVALID_PARAM, e.code());
            assertEquals(name, e.param());
            assertTrue(e.getMessage().startsWith("'" + name + "' is not supported by this server: remove it"),
                    e.getMessage());
        });
    }

    @Test
    void theNeutralValueAndNullPass() throws Exception {
        for (String name : HONOURED_BY_VLLM.keySet()) {
            check("{\"" + name + "\": null}");
            String neutral = NEUTRAL.get(name);
            if (neutral != null) check("{\"" + name + "\": " + neutral + "}");
        }
        var all = new StringBuilder("{\"temperature\": 0");
        NEUTRAL.forEach((name, value) -> all.append(", \"").append(name).append("\": ").append(value));
        check(all.append("}").toString());
    }

    @Test
    void chatExtensionsNotServedAreRefusedUnlessNeutral() throws Exception {
        Map<String, String> refused = Map.of("add_special_tokens", "true", "echo", "true", "chat_template",
                "\"{{ messages }}\"");
        for (var e : refused.entrySet()) {
            var thrown = assertThrows(EngineException.class, () -> OpenAiRequests.refuseUnsupportedChat(
                    JsonFields.of(JSON.readTree("{\"" + e.getKey() + "\": " + e.getValue() + "}"))), e.getKey());
            assertEquals(e.getKey(), thrown.param());
        }
        OpenAiRequests.refuseUnsupportedChat(JsonFields.of(JSON.readTree("{\"add_special_tokens\": false,"
                + " \"echo\": false, \"chat_template\": null}")));
        // the rendering fields are served (JsonRequests.chat reads them): not refused here, whatever their value
        OpenAiRequests.refuseUnsupportedChat(JsonFields.of(JSON.readTree("{\"chat_template_kwargs\": {\"enable_thinking\":"
                + " false}, \"add_generation_prompt\": false, \"continue_final_message\": true, \"documents\": [{\"text\": \"x\"}]}")));
    }

    /** Implemented (JsonRequests maps them): not refused, whatever their value; the engine validates them. */
    @Test
    void implementedExtensionsPass() throws Exception {
        check("{\"logit_bias\": {\"50256\": -100}, \"min_tokens\": 5, \"allowed_token_ids\": [1, 2]}");
        check("{\"logit_bias\": {}, \"min_tokens\": 0, \"allowed_token_ids\": null}");
        check("{\"include_stop_str_in_output\": true, \"skip_special_tokens\": false}");
    }

    /** Structured outputs are read with the sampling fields (JsonStructuredOutputs): not refused here. */
    @Test
    void structuredOutputsPass() throws Exception {
        check("{\"structured_outputs\": {\"regex\": \"a+\"}, \"guided_json\": {\"type\": \"object\"},"
                + " \"guided_choice\": [\"yes\"], \"response_format\": {\"type\": \"json_object\"}}");
    }

    @Test
    void theMessageSaysWhichValueWouldPass() {
        var e = assertThrows(EngineException.class, () -> check("{\"spaces_between_special_tokens\": false}"));
        assertEquals("'spaces_between_special_tokens' is not supported by this server: remove it or send true",
                e.getMessage());
        e = assertThrows(EngineException.class, () -> check("{\"guided_decoding_backend\": \"xgrammar\"}"));
        assertEquals("'guided_decoding_backend' is not supported by this server: remove it", e.getMessage());
    }
}
