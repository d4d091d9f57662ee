package dev.invariant.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** vLLM's engine option names in the worker's configuration, read by the same SmallRye Config the worker uses. */
class EngineSettingsTest {
    static WorkerConfig config(Map<String, String> properties) {
        SmallRyeConfig c = new SmallRyeConfigBuilder().addDefaultInterceptors().withMapping(WorkerConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build();
        return c.getConfigMapping(WorkerConfig.class);
    }

    @Test
    void maxModelLenIsReadByEitherName() {
        assertEquals(0, EngineSettings.of(config(Map.of())).maxModelLen(), "default: the model's");
        assertEquals(10000, EngineSettings.of(config(Map.of("max_model_len", "10000"))).maxModelLen());
        assertEquals(4096, EngineSettings.of(config(Map.of("invariant.max-model-len", "4096"))).maxModelLen());
        assertEquals(4096, EngineSettings.of(config(Map.of("invariant.max-model-len", "4096", "max_model_len",
                "10000"))).maxModelLen(), "Invariant's property wins over the vLLM spelling");
    }

    @Test
    void gpuMemoryUtilizationIsRefusedNamingWhatToSetInstead() {
        for (String name : new String[] {"gpu_memory_utilization", "invariant.gpu-memory-utilization"}) {
            EngineException e = assertThrows(EngineException.class,
                    () -> EngineSettings.of(config(Map.of(name, "0.95"))));
            assertEquals("gpu_memory_utilization", e.param());
            assertTrue(e.getMessage().contains("invariant.batching.kv-cache-tokens"), e.getMessage());
        }
    }
}
