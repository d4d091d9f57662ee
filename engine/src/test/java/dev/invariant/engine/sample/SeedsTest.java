package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import org.junit.jupiter.api.Test;

class SeedsTest {

    @Test
    void seedIsTheTop53BitsOfTheFirstEightBytesOfSha256() {
        // FIPS 180-2 example: SHA-256("abc") = ba7816bf 8f01cfea 414140de ...; 0xba7816bf8f01cfea >>> 11
        assertEquals(0x174f02d7f1e039L, Seeds.fromRequestId("abc"));
    }

    @Test
    void derivedSeedsFitWhatADoubleHoldsExactly() {
        // JavaScript Avro readers (avsc) refuse longs beyond 2^53; a derived seed must never be one.
        for (int i = 0; i < 10_000; i++) {
            long seed = Seeds.fromRequestId("req-" + i);
            assertTrue(seed >= 0 && seed < Seeds.DERIVED_LIMIT, "seed " + seed);
            assertEquals(seed, (long) (double) seed);
        }
    }

    @Test
    void idsAreReadAsUtf8() {
        // python3 -c "import hashlib; print(hex(int.from_bytes(hashlib.sha256('\u00e9'.encode()).digest()[:8], 'big') >> 11))"
        assertEquals(0x9532aafc80678L, Seeds.fromRequestId("\u00e9"));
        assertNotEquals(Seeds.fromRequestId("req-1"), Seeds.fromRequestId("req-2"));
    }

    @Test
    void resolveKeepsAGivenSeedAndDerivesAMissingOne() {
        SamplingParams withSeed = SamplingParams.builder().seed(7L).build();
        assertEquals(7L, Seeds.resolve(withSeed, "abc").seed());
        SamplingParams without = SamplingParams.builder().build();
        assertEquals(0x174f02d7f1e039L, Seeds.resolve(without, "abc").seed());
    }

    @Test
    void emptyIdIsRejected() {
        EngineException e = assertThrows(EngineException.class, () -> Seeds.fromRequestId(""));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
    }
}
