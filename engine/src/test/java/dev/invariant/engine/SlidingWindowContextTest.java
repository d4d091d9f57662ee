package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sliding window narrower than max_position_embeddings is the engine's context, and the engine says why. */
class SlidingWindowContextTest {

    @Test
    void mistralWindowIsTheContext(@TempDir Path dir) throws IOException {
        Path folder = TestAssets.editedCopy("stories260K", new ObjectMapper().readTree(
                "{\"architectures\": [\"MistralForCausalLM\"], \"model_type\": \"mistral\", \"sliding_window\": 128}"), dir);
        List<String> log = new ArrayList<>();
        try (Engine e = Engine.open(EngineConfig.defaults(folder.toString()).withThreads(1), log::add)) {
            assertEquals(128, e.core().contextLength());
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("at most 128 tokens") && l.contains("sliding_window")),
                log.toString());
        EngineException tooLong = assertThrows(EngineException.class,
                () -> Engine.open(EngineConfig.defaults(folder.toString()).withMaxModelLen(256)));
        assertEquals(ErrorCode.INVALID_PARAM, tooLong.code());
        assertTrue(tooLong.getMessage().contains("sliding_window 128"), tooLong.getMessage());
    }
}
