package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import org.junit.jupiter.api.Test;

class SeedsTest {

    @Test
    void seedIsTheFirstEightBytesOfSha256BigEndian() {
        // FIPS 180-2 example: SHA-256("abc") = ba7816bf 8f01cfea 414140de ...
        assertEquals(0xba7816bf8f01cfeaL, Seeds.fromRequestId("abc"));
    }

    @Test
    void idsAreReadAsUtf8() {
        // python3 -c "import hashlib; print(hashlib.sha256('\u00e9'.encode()).hexdigest()[:16])"
        assertEquals(0x4a99557e4033c353L, Seeds.fromRequestId("\u00e9"));
        assertNotEquals(Seeds.fromRequestId("req-1"), Seeds.fromRequestId("req-2"));
    }

    @Test
    void resolveKeepsAGivenSeedAndDerivesAMissingOne() {
        SamplingParams withSeed = SamplingParams.builder().seed(7L).build();
        assertEquals(7L, Seeds.resolve(withSeed, "abc").seed());
        SamplingParams without = SamplingParams.builder().build();
        assertEquals(0xba7816bf8f01cfeaL, Seeds.resolve(without, "abc").seed());
    }

    @Test
    void emptyIdIsRejected() {
        EngineException e = assertThrows(EngineException.class, () -> Seeds.fromRequestId(""));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
    }
}
