package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    @Test
    void outOfRangeValuesAreRejectedWithInvalidParam() {
        assertInvalid(SamplingParams.builder().temperature(-0.1f), "temperature");
        assertInvalid(SamplingParams.builder().topP(1.01f), "top_p");
        assertInvalid(SamplingParams.builder().topP(0f), "top_p");
        assertInvalid(SamplingParams.builder().maxTokens(-5), "max_tokens");
        assertInvalid(SamplingParams.builder().topK(-1), "top_k");
        assertInvalid(SamplingParams.builder().temperature(Float.NaN), "temperature");
    }

    @Test
    void defaultsAreGreedy() {
        SamplingParams p = SamplingParams.greedy(7);
        assertTrue(p.isGreedy());
        assertEquals(7, p.maxTokens());
        assertEquals(42L, p.withSeed(42).seed());
    }

    private static void assertInvalid(SamplingParams.Builder b, String mentions) {
        EngineException e = assertThrows(EngineException.class, b::build);
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }
}
