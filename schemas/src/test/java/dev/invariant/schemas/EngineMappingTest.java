package dev.invariant.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.SamplingParams.EarlyStopping;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Avro Sampling record as the engine's parameters: beam search's fields, their defaults and their checks. */
class EngineMappingTest {
    @Test
    void beamSearchFieldsMapByName() {
        SamplingParams p = EngineMapping.sampling(Sampling.newBuilder().setUseBeamSearch(true).setN(2).setBestOf(4)
                .setLengthPenalty(0.5f).setEarlyStopping("never").setStop(List.of("Observation:")).setSeed(0L)
                .build());
        assertTrue(p.useBeamSearch());
        assertEquals(2, p.n());
        assertEquals(4, p.beamWidth());
        assertEquals(0.5f, p.lengthPenalty());
        assertEquals(EarlyStopping.NEVER, p.earlyStopping());
    }

    @Test
    void theDefaultsAreOneOutputWithoutBeams() {
        SamplingParams p = EngineMapping.sampling(Sampling.newBuilder().build());
        assertFalse(p.useBeamSearch());
        assertEquals(1, p.n());
        assertEquals(1, p.beamWidth());
        assertEquals(EarlyStopping.FALSE, p.earlyStopping());
    }

    @Test
    void aBadValueNamesTheField() {
        assertEquals("early_stopping", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setUseBeamSearch(true).setEarlyStopping("soon").build())).param());
        assertEquals("n", assertThrows(EngineException.class, () -> EngineMapping.sampling(
                Sampling.newBuilder().setN(3).build())).param());
    }
}
