package dev.invariant.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.text.Tokenizer;
import dev.invariant.monitor.query.TokenStrings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Token texts for the divergence view from the real stories260K tokenizer; ids only where it is not here. */
class TokenStringsTest {
    private static final Path MODELS = Path.of(System.getProperty("invariant.shared"), "models");

    @Test
    void decodesEachTokenWithItsLeadingSpaceForAModelInTheModelsDir() {
        List<Integer> ids;
        String whole;
        try (Tokenizer t = Tokenizer.load(MODELS.resolve("stories260K"))) {
            int[] encoded = t.encodeNoSpecial("Once upon a time, there was a dog");
            ids = Arrays.stream(encoded).boxed().toList();
            whole = t.decode(encoded, false);
        }
        var tokens = new TokenStrings(Optional.of(MODELS));
        List<String> texts = tokens.of("stories260K", ids);
        assertEquals(ids.size(), texts.size());
        assertEquals(whole, String.join("", texts).strip(), "the tokens' texts make up the text: " + texts);
        assertTrue(texts.stream().filter(x -> x.startsWith(" ")).count() >= 6, "leading spaces kept: " + texts);
        // A hub id's last segment names the folder too.
        assertEquals(texts, tokens.of("karpathy/stories260K", ids));
    }

    @Test
    void idsOnlyWithoutTheTokenizer() {
        assertNull(new TokenStrings(Optional.empty()).of("stories260K", List.of(1, 2)));
        var tokens = new TokenStrings(Optional.of(MODELS));
        assertNull(tokens.of("no-such-model", List.of(1, 2)));
        assertNull(tokens.of("..", List.of(1, 2)), "never outside the models dir");
        assertNull(tokens.of("", List.of(1, 2)));
    }
}
