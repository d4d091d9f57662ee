package dev.invariant.bench.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The arithmetic the report rests on: arrival specs, nearest-rank percentiles, throughput, request ids. */
class PipelineMathTest {

    @Test
    void arrivalSpecs() {
        assertTrue(Arrival.parse("all").allAtOnce());
        assertEquals(40.0, Arrival.parse("40").ratePerSecond());
        assertEquals(12.5, Arrival.parse("12.5/s").ratePerSecond());
        Arrival half = Arrival.parse("half");
        assertTrue(half.needsCapacity());
        assertEquals(30.0, half.resolve(60.0).ratePerSecond());
        assertFalse(half.resolve(60.0).allAtOnce());
        assertThrows(EngineException.class, () -> Arrival.parse("0"));
        assertThrows(EngineException.class, () -> Arrival.parse("fast"));
    }

    @Test
    void nearestRankPercentilesAndThroughput() {
        long[] ns = new long[100];
        for (int i = 0; i < 100; i++) ns[i] = (100 - i) * 1_000_000L; // 100 ms .. 1 ms, unsorted order
        Trial t = new Trial("engine", Arrival.parse("all"), 1, 2_000_000_000L, ns, new String[100], 0, null);
        assertEquals(50.0, t.p50Ms());
        assertEquals(99.0, t.p99Ms());
        assertEquals(50.0, t.completionsPerSecond());
        assertTrue(Double.isNaN(t.breakdownMedianMs(0)));
    }

    @Test
    void workloadIdsAreDistinctAndIndexed() {
        List<Request> rs = new Workload(256, 8).build("tag-x");
        Set<String> prompts = new HashSet<>();
        for (int i = 0; i < rs.size(); i++) {
            assertEquals(i, Workload.index(rs.get(i).requestId()));
            prompts.add(((Prompt.Text) rs.get(i).prompt()).text());
            assertEquals(8, rs.get(i).params().maxTokens());
            assertTrue(rs.get(i).params().ignoreEos());
        }
        assertEquals(256, prompts.size());
    }
}
