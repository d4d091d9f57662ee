package dev.invariant.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.sample.SamplingParams;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The contract's JSON mapping: strict types, the param named, nothing coerced or defaulted behind one's back. */
class JsonRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonFields fields(String json) throws Exception {
        return JsonFields.of(JSON.readTree(json));
    }

    static SamplingParams sampling(String json) throws Exception {
        return JsonRequests.sampling(fields(json), SamplingParams.builder().temperature(1f).maxTokens(16));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"temperature\": \"hot\"}             | temperature",
            "{\"temperature\": [0.5]}               | temperature",
            "{\"top_p\": true}                      | top_p",
            "{\"top_k\": 1.5}                       | top_k",
            "{\"max_tokens\": 1.5}                  | max_tokens",
            "{\"max_tokens\": \"16\"}               | max_tokens",
            "{\"max_tokens\": 3000000000}           | max_tokens",
            "{\"max_completion_tokens\": -3}        | max_tokens",
            "{\"seed\": 1e30}                       | seed",
            "{\"seed\": 18446744073709551616}       | seed",
            "{\"stop\": 7}                          | stop",
            "{\"stop\": [\"a\", 1]}                 | stop[1]",
            "{\"stop\": [\"\"]}                     | stop",
            "{\"stop_token_ids\": [\"2\"]}          | stop_token_ids[0]",
            "{\"ignore_eos\": \"yes\"}              | ignore_eos",
            "{\"presence_penalty\": 3}              | presence_penalty",
            "{\"n\": 0}                             | n",
            "{\"n\": 2, \"best_of\": 3}             | best_of",
            "{\"best_of\": 3}                       | best_of",
            "{\"use_beam_search\": true, \"n\": 3, \"best_of\": 2} | best_of",
            "{\"use_beam_search\": true, \"temperature\": 0.7} | temperature",
            "{\"use_beam_search\": \"yes\"}         | use_beam_search",
            "{\"early_stopping\": \"sometimes\", \"use_beam_search\": true} | early_stopping",
            "{\"early_stopping\": 1, \"use_beam_search\": true} | early_stopping",
            "{\"early_stopping\": true}             | early_stopping",
            "{\"length_penalty\": 0.5}              | length_penalty",
            "{\"kv_cache_dtype\": \"fp8_e5m2\"}     | kv_cache_dtype",
            "{\"gpu_memory_utilization\": 0.95}     | gpu_memory_utilization",
            "{\"max_model_len\": 10000}             | max_model_len",
            "{\"quantization\": \"gptq\"}           | quantization",
            "{\"logit_bias\": [[5, 1]]}             | logit_bias",
            "{\"logit_bias\": {\"5\": \"1\"}}         | logit_bias",
            "{\"logit_bias\": {\"5\": 100.5}}       | logit_bias",
            "{\"logit_bias\": {\"5\": 1e39}}        | logit_bias",
            "{\"logit_bias\": {\"five\": 1}}        | logit_bias",
            "{\"logit_bias\": {\"-5\": 1}}          | logit_bias",
            "{\"logit_bias\": {\"5\": 1, \"05\": 2}} | logit_bias",
            "{\"min_tokens\": -1}                   | min_tokens",
            "{\"min_tokens\": 1.5}                  | min_tokens",
            "{\"min_tokens\": 17}                   | min_tokens",
            "{\"allowed_token_ids\": []}            | allowed_token_ids",
            "{\"allowed_token_ids\": 5}             | allowed_token_ids",
            "{\"allowed_token_ids\": [\"5\"]}       | allowed_token_ids[0]",
            "{\"allowed_token_ids\": [-2]}          | allowed_token_ids",
            "{\"include_stop_str_in_output\": 1}    | include_stop_str_in_output",
            "{\"skip_special_tokens\": \"false\"}   | skip_special_tokens"})
    void aWrongValueIsAnInvalidParamNamingTheField(String json, String param) {
        EngineException e = assertThrows(EngineException.class, () -> sampling(json));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertEquals(param, e.param(), e.getMessage());
        assertTrue(e.getMessage().contains(param.replaceAll("\\[.*", "")), e.getMessage());
    }

    @Test
    void beamSearchFieldsMapByVllmsNames() throws Exception {
        SamplingParams p = sampling("{\"use_beam_search\": true, \"n\": 2, \"best_of\": 4, \"length_penalty\": 0.5,"
                + " \"early_stopping\": \"never\", \"stop\": \"Observation:\", \"seed\": 0}");
        assertTrue(p.useBeamSearch());
        assertEquals(0f, p.temperature(), "beam search without a temperature gets 0");
        assertEquals(2, p.n());
        assertEquals(4, p.beamWidth());
        assertEquals(0.5f, p.lengthPenalty());
        assertEquals(SamplingParams.EarlyStopping.NEVER, p.earlyStopping());
        assertEquals(List.of("Observation:"), p.stop());
        assertEquals(SamplingParams.EarlyStopping.TRUE,
                sampling("{\"use_beam_search\": true, \"early_stopping\": true}").earlyStopping());
        assertEquals(3, sampling("{\"use_beam_search\": true, \"n\": 3}").beamWidth(), "best_of defaults to n");
    }

    @Test
    void logitBiasMinTokensAndAllowedIdsMapByOpenAisAndVllmsNames() throws Exception {
        SamplingParams p = sampling("{\"logit_bias\": {\"50256\": -100, \"13\": 0.1}, \"min_tokens\": 4,"
                + " \"allowed_token_ids\": [9, 13, 50256, 13]}");
        assertEquals(java.util.Map.of(13, (float) 0.1, 50256, -100f), p.logitBias(), "(float) of the binary64 number");
        assertEquals(List.of(13, 50256), List.copyOf(p.logitBias().keySet()), "in id order");
        assertEquals(4, p.minTokens());
        assertEquals(List.of(9, 13, 50256, 13), p.allowedTokenIds(), "as given");
        SamplingParams none = sampling("{\"logit_bias\": null, \"min_tokens\": null, \"allowed_token_ids\": null}");
        assertEquals(SamplingParams.builder().temperature(1f).maxTokens(16).build(), none);
        assertEquals(SamplingParams.builder().temperature(1f).maxTokens(16).build(), sampling("{\"logit_bias\": {}}"));
        assertTrue(JsonRequests.SAMPLING_FIELDS.containsAll(List.of("logit_bias", "min_tokens", "allowed_token_ids")));
    }

    @Test
    void textFieldsMapByVllmsNamesAndWriteBackOnlyWhenNotTheDefault() throws Exception {
        SamplingParams p = sampling("{\"include_stop_str_in_output\": true, \"skip_special_tokens\": false}");
        assertTrue(p.includeStopStrInOutput());
        assertFalse(p.skipSpecialTokens());
        ObjectNode written = JsonRequests.write(p, new ObjectMapper().createObjectNode());
        assertTrue(written.get("include_stop_str_in_output").booleanValue());
        assertFalse(written.get("skip_special_tokens").booleanValue());
        assertEquals(p, sampling(written.toString()), "read back to the same parameters");
        SamplingParams d = sampling("{\"include_stop_str_in_output\": false, \"skip_special_tokens\": true}");
        assertEquals(SamplingParams.builder().temperature(1f).maxTokens(16).build(), d);
        ObjectNode plain = JsonRequests.write(d, new ObjectMapper().createObjectNode());
        assertFalse(plain.has("include_stop_str_in_output") || plain.has("skip_special_tokens"), plain.toString());
    }

    @Test
    void absentAndNullMeanTheDefaultAndIntegralNumbersAreIntegers() throws Exception {
        SamplingParams p = sampling("{\"temperature\": null, \"max_tokens\": 1e2, \"seed\": -9007199254740993,"
                + " \"stop\": \"END\", \"top_k\": -1}");
        assertEquals(1f, p.temperature());
        assertEquals(100, p.maxTokens());
        assertEquals(-9007199254740993L, p.seed());
        assertEquals(List.of("END"), p.stop());
        assertEquals(0, p.topK());
        assertEquals(20, sampling("{\"max_tokens\": 10, \"max_completion_tokens\": 20}").maxTokens());
    }

    @Test
    void exactlyOnePromptField() throws Exception {
        assertEquals(ErrorCode.EMPTY_PROMPT, assertThrows(EngineException.class,
                () -> JsonRequests.prompt(fields("{}"))).code());
        EngineException two = assertThrows(EngineException.class,
                () -> JsonRequests.prompt(fields("{\"prompt\": \"a\", \"messages\": []}")));
        assertEquals(ErrorCode.INVALID_PARAM, two.code());
        assertArrayEquals(new int[] {1, 2}, ((Prompt.TokenIds) JsonRequests.prompt(
                fields("{\"prompt_token_ids\": [1, 2]}"))).ids());
        assertArrayEquals(new int[] {3, 4}, ((Prompt.TokenIds) JsonRequests.completionPrompt(
                fields("{\"prompt\": [[3, 4]]}"))).ids());
        assertEquals("x", ((Prompt.Text) JsonRequests.completionPrompt(fields("{\"prompt\": [\"x\"]}"))).text());
        assertEquals("prompt", assertThrows(EngineException.class, () -> JsonRequests.completionPrompt(
                fields("{\"prompt\": [\"x\", \"y\"]}"))).param());
    }

    @Test
    void chatContentIsAStringOrTextParts() throws Exception {
        Prompt.Chat chat = JsonRequests.chat(fields("""
                {"messages": [{"role": "developer", "content": "Be brief."},
                              {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"text": "there"}]}]}"""));
        assertEquals("system", chat.messages().get(0).role());
        assertEquals("Hi \nthere", chat.messages().get(1).content(), "parts joined by a newline, as vLLM joins them");
        for (String bad : List.of("{\"messages\": {\"role\": \"user\"}}",
                "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}",
                "{\"messages\": [{\"role\": 1, \"content\": \"x\"}]}")) {
            EngineException e = assertThrows(EngineException.class, () -> JsonRequests.chat(fields(bad)), bad);
            assertEquals(ErrorCode.INVALID_PARAM, e.code(), bad);
            assertTrue(e.param().startsWith("messages"), bad + " -> " + e.param());
        }
    }

    /** What write() puts in a request reads back as the same parameters: every field, defaults or not. */
    @Test
    void writtenParametersReadBackTheSame() throws Exception {
        List<SamplingParams> cases = List.of(
                SamplingParams.builder().build(),
                SamplingParams.builder().maxTokens(SamplingParams.UP_TO_CONTEXT).build(),
                SamplingParams.builder().temperature(0.7f).topK(40).topP(0.9f).minP(0.05f).repetitionPenalty(1.1f)
                        .presencePenalty(0.5f).frequencyPenalty(-0.25f).maxTokens(33).seed(-5L).stop(List.of("\n", "END"))
                        .stopTokenIds(List.of(2, 9)).ignoreEos(true).build(),
                SamplingParams.builder().useBeamSearch(true).n(2).bestOf(4).lengthPenalty(0.8f)
                        .earlyStopping(SamplingParams.EarlyStopping.NEVER).maxTokens(12).build(),
                SamplingParams.builder().useBeamSearch(true).n(3).earlyStopping(SamplingParams.EarlyStopping.TRUE).build(),
                SamplingParams.builder().logitBias(java.util.Map.of(7, 0.1f, 50256, -100f, 3, 1e-7f)).minTokens(5)
                        .allowedTokenIds(List.of(7, 3, 50256)).build());
        for (SamplingParams p : cases) {
            var body = JsonRequests.write(p, JSON.createObjectNode());
            // Read with other defaults than the engine's (OpenAI's temperature 1, another max_tokens): only what
            // was written can make the result equal.
            var back = JsonRequests.sampling(fields(body.toString()), SamplingParams.builder().temperature(1f)
                    .maxTokens(p.maxTokens() == SamplingParams.UP_TO_CONTEXT ? SamplingParams.UP_TO_CONTEXT : 99));
            assertEquals(p, back, body.toString());
        }
    }
}
