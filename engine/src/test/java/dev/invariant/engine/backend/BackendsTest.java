package dev.invariant.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.TestAssets;
import org.junit.jupiter.api.Test;

/** A backend declares the numerics profiles it builds; one it does not is refused as unavailable, before opening. */
class BackendsTest {

    @Test
    void theCpuBuildsPortableAndNaiveNotFast() {
        assertTrue(Backends.runs("cpu", NumericsProfile.PORTABLE));
        assertTrue(Backends.runs("cpu", NumericsProfile.NAIVE));
        assertFalse(Backends.runs("cpu", NumericsProfile.FAST));
        assertTrue(Backends.runs(Backends.AUTO, NumericsProfile.NAIVE));
        assertFalse(Backends.runs("no-such-backend", NumericsProfile.PORTABLE));
    }

    @Test
    void aProfileTheBackendDoesNotBuildIsUnavailableWithWhatItRuns() {
        EngineConfig fast = EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(2)
                .withKvCache(16, 1024, false).withProfile(NumericsProfile.FAST);
        EngineException e = assertThrows(EngineException.class, () -> Engine.open(fast).close());
        assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.code());
        assertTrue(e.getMessage().contains("does not build the fast profile (it runs [naive, portable])"), e.getMessage());
    }
}
