package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.structured.StructuredOutput;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** An audited answer's fingerprint covers every parameter sent to the remote server, the newer ones only when set. */
class RemoteIdentityTest {
    private static String fingerprint(SamplingParams p) {
        return RemoteIdentity.fingerprint("m", "fp", Prompt.text("Once"), p, null);
    }

    @Test
    void logitBiasMinTokensAndAllowedIdsChangeItOnlyWhenSet() {
        SamplingParams plain = SamplingParams.builder().maxTokens(8).build();
        assertEquals(fingerprint(plain), fingerprint(plain.toBuilder().logitBias(Map.of()).minTokens(0)
                .allowedTokenIds(null).build()));
        Set<String> seen = new HashSet<>(List.of(fingerprint(plain)));
        for (SamplingParams p : List.of(plain.toBuilder().logitBias(Map.of(5, -100f)).build(),
                plain.toBuilder().logitBias(Map.of(5, 100f)).build(), plain.toBuilder().minTokens(2).build(),
                plain.toBuilder().allowedTokenIds(List.of(5, 6)).build(),
                plain.toBuilder().ignoreEos(true).minTokens(2).build(),
                plain.toBuilder().structuredOutput(StructuredOutput.regex("r", "[0-9]+")).build(),
                plain.toBuilder().structuredOutput(StructuredOutput.choice("c", List.of("[0-9]+"))).build(),
                plain.toBuilder().structuredOutput(StructuredOutput.jsonObject()).build())) {
            assertTrue(seen.add(fingerprint(p)), p.toString());
        }
    }
}
