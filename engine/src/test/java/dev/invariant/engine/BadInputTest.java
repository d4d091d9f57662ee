package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets an error with a code and a message that says what to do; the engine keeps serving. */
class BadInputTest {
    static Engine engine;

    @BeforeAll
    static void open() {
        engine = Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(1));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static GenerationResult run(Request r) {
        return engine.generateAll(List.of(r), (d, t, k) -> { }).getFirst();
    }

    static void assertError(GenerationResult r, ErrorCode code) {
        assertFalse(r.ok(), "expected " + code);
        assertEquals(code, r.error().code(), r.error().getMessage());
        assertEquals(FinishReason.ERROR, r.finishReason());
        assertFalse(r.error().getMessage().isBlank());
    }

    @Test
    void emptyPrompt() {
        assertError(run(new Request("e", Prompt.text(""), SamplingParams.greedy(4))), ErrorCode.EMPTY_PROMPT);
        assertError(run(new Request("e2", new Prompt.TokenIds(new int[0]), SamplingParams.greedy(4))), ErrorCode.EMPTY_PROMPT);
    }

    @Test
    void promptLongerThanTheContext() {
        int[] ids = new int[600]; // stories260K has a context of 512
        java.util.Arrays.fill(ids, 5);
        GenerationResult r = run(new Request("long", new Prompt.TokenIds(ids), SamplingParams.greedy(4)));
        assertError(r, ErrorCode.PROMPT_TOO_LONG);
        assertTrue(r.error().getMessage().contains("512"), r.error().getMessage());
    }

    @Test
    void promptPlusMaxTokensBeyondTheContextIsRefusedNotCapped() {
        int[] ids = new int[12];
        java.util.Arrays.fill(ids, 5);
        GenerationResult r = run(new Request("ctx", new Prompt.TokenIds(ids), SamplingParams.greedy(600)));
        assertError(r, ErrorCode.PROMPT_TOO_LONG);
        assertEquals("max_tokens", r.error().param());
        for (String n : List.of("512", "12", "600", "612", "500")) {
            assertTrue(r.error().getMessage().contains(n), n + " missing in: " + r.error().getMessage());
        }
        // Exactly the context is allowed: 12 + 500 = 512.
        GenerationResult full = run(new Request("ctx-full", new Prompt.TokenIds(ids),
                SamplingParams.builder().maxTokens(500).ignoreEos(true).build()));
        assertTrue(full.ok(), () -> full.error().describe());
        assertEquals(500, full.tokenIds().length);
    }

    @Test
    void aPromptThatFillsTheContextIsAdvisedTheLengthThatFitsItsMaxTokens() {
        GenerationResult r = run(new Request("fill", new Prompt.TokenIds(fives(2001)), SamplingParams.greedy(64)));
        assertError(r, ErrorCode.PROMPT_TOO_LONG);
        assertEquals("prompt", r.error().param());
        String m = r.error().getMessage();
        assertTrue(m.contains("shorten the prompt to at most 448 tokens (max_model_len 512 - max_tokens 64)")
                && m.contains("at most 511 with a lower max_tokens"), m);
        // The advised length is accepted, one more is not.
        GenerationResult advised = run(new Request("fits", new Prompt.TokenIds(fives(448)),
                SamplingParams.builder().maxTokens(64).ignoreEos(true).build()));
        assertTrue(advised.ok(), () -> advised.error().describe());
        assertEquals(64, advised.tokenIds().length);
        assertError(run(new Request("over", new Prompt.TokenIds(fives(449)), SamplingParams.greedy(64))),
                ErrorCode.PROMPT_TOO_LONG);
    }

    @Test
    void aPromptThatFillsTheContextWithMaxTokensUpToTheContextIsAdvisedOneTokenLess() {
        GenerationResult r = run(new Request("fill0", new Prompt.TokenIds(fives(512)),
                SamplingParams.builder().maxTokens(SamplingParams.UP_TO_CONTEXT).build()));
        assertError(r, ErrorCode.PROMPT_TOO_LONG);
        assertEquals("prompt", r.error().param());
        assertTrue(r.error().getMessage().contains("shorten the prompt to at most 511 tokens"), r.error().getMessage());
        GenerationResult advised = run(new Request("fits0", new Prompt.TokenIds(fives(511)),
                SamplingParams.builder().maxTokens(SamplingParams.UP_TO_CONTEXT).ignoreEos(true).build()));
        assertTrue(advised.ok(), () -> advised.error().describe());
        assertEquals(1, advised.tokenIds().length);
    }

    @Test
    void everyBranchOfTheContextRuleAdvisesNumbersThatFit() {
        // max_model_len 512: each refusal's advised prompt length or max_tokens passes the same check.
        assertAdvice(12, 600, "lower max_tokens to at most 500 (max_tokens 600 alone leaves no room for a prompt)");
        PreparedRequest.checkContext(12, 500, 512, "prompt");
        assertAdvice(500, 64, "lower max_tokens to at most 12, or shorten the prompt to at most 448 tokens"
                + " (max_model_len 512 - max_tokens 64)");
        PreparedRequest.checkContext(500, 12, 512, "prompt");
        PreparedRequest.checkContext(448, 64, 512, "prompt");
        assertAdvice(2001, 64, "shorten the prompt to at most 448 tokens (max_model_len 512 - max_tokens 64), or to"
                + " at most 511 with a lower max_tokens");
        PreparedRequest.checkContext(511, 1, 512, "prompt");
        assertAdvice(512, 1, "shorten the prompt to at most 511 tokens (max_model_len 512 - 1 token to generate)");
        assertAdvice(600, SamplingParams.UP_TO_CONTEXT, "shorten the prompt to at most 511 tokens");
        PreparedRequest.checkContext(511, SamplingParams.UP_TO_CONTEXT, 512, "prompt");
        assertAdvice(600, 512, "shorten the prompt and lower max_tokens (max_tokens 512 alone leaves no room for a"
                + " prompt): together they must be at most 512");
    }

    private static void assertAdvice(int prompt, int maxTokens, String advice) {
        EngineException e = assertThrows(EngineException.class,
                () -> PreparedRequest.checkContext(prompt, maxTokens, 512, "prompt"));
        assertEquals(ErrorCode.PROMPT_TOO_LONG, e.code());
        assertEquals(prompt < 512 ? "max_tokens" : "prompt", e.param());
        assertTrue(e.getMessage().startsWith("this model's maximum context length is 512 tokens, but ")
                && e.getMessage().contains(": " + advice), e.getMessage());
    }

    private static int[] fives(int n) {
        int[] ids = new int[n];
        java.util.Arrays.fill(ids, 5);
        return ids;
    }

    @Test
    void maxTokensUpToTheContextIsResolvedFromTheModelAndFingerprintedAsResolved() {
        int[] ids = new int[12];
        java.util.Arrays.fill(ids, 5);
        GenerationResult open = run(new Request("up-to-ctx", new Prompt.TokenIds(ids), SamplingParams.builder()
                .maxTokens(SamplingParams.UP_TO_CONTEXT).ignoreEos(true).build()));
        assertTrue(open.ok(), () -> open.error().describe());
        assertEquals(500, open.tokenIds().length); // 512 - 12
        GenerationResult explicit = run(new Request("explicit", new Prompt.TokenIds(ids),
                SamplingParams.builder().maxTokens(500).ignoreEos(true).build()));
        assertEquals(explicit.fingerprint(), open.fingerprint());
        assertEquals(explicit.outputHash(), open.outputHash());
    }

    @Test
    void maxModelLenHoldsRequestsToAShorterContextAndCannotExceedTheModels() {
        var config = EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(1)
                .withMaxModelLen(40);
        try (Engine short40 = Engine.open(config)) {
            assertEquals(40, short40.maxModelLen());
            int[] ids = new int[12];
            java.util.Arrays.fill(ids, 5);
            GenerationResult r = short40.generateAll(List.of(new Request("m", new Prompt.TokenIds(ids),
                    SamplingParams.greedy(29))), (d, t, k) -> { }).getFirst();
            assertError(r, ErrorCode.PROMPT_TOO_LONG);
            assertTrue(r.error().getMessage().contains("lower max_tokens to at most 28"), r.error().getMessage());
        }
        EngineException e = assertThrows(EngineException.class, () -> Engine.open(
                EngineConfig.defaults(TestAssets.model("stories260K").toString()).withMaxModelLen(10000)));
        assertEquals("max_model_len", e.param());
        assertTrue(e.getMessage().contains("512"), e.getMessage());
    }

    @Test
    void gpuMemoryUtilizationIsRefusedOnTheCpuNamingTheTokenSetting() {
        EngineException e = assertThrows(EngineException.class, () -> Engine.open(
                EngineConfig.defaults(TestAssets.model("stories260K").toString()).withGpuMemoryUtilization(0.9)));
        assertEquals("gpu_memory_utilization", e.param());
        assertTrue(e.getMessage().contains("cuda") && e.getMessage().contains("--kv-cache-tokens"), e.getMessage());
        EngineException range = assertThrows(EngineException.class,
                () -> EngineConfig.defaults("m").withGpuMemoryUtilization(1.01));
        assertEquals("gpu_memory_utilization", range.param());
    }

    @Test
    void aRequestTheKvCacheCannotHoldIsAKvCacheErrorNotAContextError() {
        var config = EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(1)
                .withKvCache(16, 64, false);
        try (Engine small = Engine.open(config)) {
            GenerationResult r = small.generateAll(List.of(new Request("kv", Prompt.text("Once upon a time"),
                    SamplingParams.greedy(100))), (d, t, k) -> { }).getFirst();
            assertError(r, ErrorCode.KV_CACHE_TOO_SMALL);
            assertTrue(r.error().getMessage().contains("64"), r.error().getMessage());
        }
    }

    @Test
    void aBeamSearchWiderThanTheKvCacheHoldsIsRefusedNamingBestOf() {
        var config = EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(1)
                .withKvCache(16, 64, false);
        try (Engine small = Engine.open(config)) {
            SamplingParams beams = SamplingParams.builder().maxTokens(20).useBeamSearch(true).n(1).bestOf(4).build();
            GenerationResult r = small.generateAll(List.of(new Request("b", Prompt.text("Once upon a time"), beams)),
                    (d, t, k) -> { }).getFirst();
            assertError(r, ErrorCode.KV_CACHE_TOO_SMALL);
            assertEquals("best_of", r.error().param());
            GenerationResult narrow = small.generateAll(List.of(new Request("b2", Prompt.text("Once upon a time"),
                    SamplingParams.builder().maxTokens(20).useBeamSearch(true).n(1).bestOf(2).build())),
                    (d, t, k) -> { }).getFirst();
            assertTrue(narrow.ok(), () -> narrow.error().describe());
        }
    }

    @Test
    void tokenIdOutsideTheVocabulary() {
        assertError(run(new Request("v", new Prompt.TokenIds(new int[] {1, 9999}), SamplingParams.greedy(4))),
                ErrorCode.INVALID_PARAM);
    }

    @Test
    void logitBiasAllowedIdsAndMinTokensAreCheckedAgainstTheModel() {
        Prompt once = Prompt.text("Once upon a time");
        assertParam(SamplingParams.builder().logitBias(java.util.Map.of(512, 1f)).build(), "logit_bias");
        assertParam(SamplingParams.builder().allowedTokenIds(List.of(3, 600)).build(), "allowed_token_ids");
        // max_tokens 0 (the rest of the context) leaves min_tokens to the context rule: 512 - 5 prompt tokens.
        GenerationResult tooMany = run(new Request("m", once, SamplingParams.builder().maxTokens(0).minTokens(600)
                .build()));
        assertError(tooMany, ErrorCode.INVALID_PARAM);
        assertEquals("min_tokens", tooMany.error().param());
        assertTrue(tooMany.error().getMessage().contains("lower min_tokens to at most 507"), tooMany.error().getMessage());
        // Only EOS (2) and a stop token allowed, both banned before min_tokens: nothing could be generated.
        assertParam(SamplingParams.builder().minTokens(1).stopTokenIds(List.of(9)).allowedTokenIds(List.of(2, 9))
                .build(), "min_tokens");
        assertTrue(run(new Request("ok", once, SamplingParams.builder().maxTokens(4).minTokens(1)
                .allowedTokenIds(List.of(2, 9, 10)).build())).ok());
    }

    private static void assertParam(SamplingParams p, String param) {
        GenerationResult r = run(new Request("p", Prompt.text("Once upon a time"), p));
        assertError(r, ErrorCode.INVALID_PARAM);
        assertEquals(param, r.error().param(), r.error().getMessage());
    }

    @Test
    void chatOnAModelWithoutATemplate() {
        assertError(run(new Request("c", new Prompt.Chat(List.of(new dev.invariant.engine.text.ChatMessage("user", "hi"))),
                SamplingParams.greedy(4))), ErrorCode.INVALID_PARAM);
    }

    @Test
    void theEngineKeepsServingAfterBadInput() {
        assertError(run(new Request("bad", Prompt.text(""), SamplingParams.greedy(4))), ErrorCode.EMPTY_PROMPT);
        GenerationResult ok = run(new Request("good", Prompt.text("Once upon a time"), SamplingParams.greedy(8)));
        assertTrue(ok.ok());
        assertTrue(ok.tokenIds().length >= 1 && ok.tokenIds().length <= 8, "generated " + ok.tokenIds().length);
    }

    @Test
    void unknownModel(@TempDir Path dir) {
        EngineException e = assertThrows(EngineException.class,
                () -> Engine.open(EngineConfig.defaults(dir.resolve("no-such-model").toString())));
        assertEquals(ErrorCode.UNKNOWN_MODEL, e.code());
    }

    @Test
    void corruptSafetensorsHeader(@TempDir Path dir) throws IOException {
        Files.copy(TestAssets.model("stories260K").resolve("config.json"), dir.resolve("config.json"));
        Files.copy(TestAssets.model("stories260K").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(TestAssets.model("stories260K").resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        byte[] json = "{\"model.embed_tokens.weight\": {\"dtype\": \"F32\", \"shape\": [512, 64], \"data_offsets\": [0, 9"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(dir.resolve("model.safetensors"), b.array());
        EngineException e = assertThrows(EngineException.class,
                () -> Engine.open(EngineConfig.defaults(dir.toString())));
        assertEquals(ErrorCode.MODEL_FORMAT, e.code());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
