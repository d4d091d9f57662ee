package dev.invariant.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkerMemoryTest {
    @Test
    void readsTheLiveHeapGaugeOfAPrometheusExposition() {
        String body = """
                # HELP jvm_gc_live_data_size_bytes Size of long-lived heap memory pool after reclamation
                # TYPE jvm_gc_live_data_size_bytes gauge
                jvm_gc_live_data_size_bytes_total 1.0
                jvm_gc_live_data_size_bytes 7.415808E7
                jvm_gc_max_data_size_bytes 5.36870912E8
                """;
        assertEquals(74_158_080 / (1024.0 * 1024.0), WorkerMemory.parse(body), 1e-9);
        assertEquals(2.0, WorkerMemory.parse("jvm_gc_live_data_size_bytes{application=\"w\"} 2097152.0\n"), 1e-9);
    }

    @Test
    void anExpositionWithoutTheGaugeGivesNaN() {
        assertTrue(Double.isNaN(WorkerMemory.parse("jvm_gc_max_data_size_bytes 5.0\n")));
        assertTrue(Double.isNaN(WorkerMemory.parse("jvm_gc_live_data_size_bytes not-a-number\n")));
    }
}
