package dev.invariant.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.kv.KvCacheDtype;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** vLLM's engine option names in the worker's configuration, read by the same SmallRye Config the worker uses. */
class EngineSettingsTest {
    static WorkerConfig config(Map<String, String> properties) {
        // Quarkus's Duration converter, as the worker has it ("30s")
        SmallRyeConfig c = new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withMapping(WorkerConfig.class)
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
    void kvCacheDtypeAndQuantizationAreReadByEitherName() {
        var c = EngineSettings.of(config(Map.of("kv_cache_dtype", "fp8_e5m2", "quantization", "gptq")));
        assertEquals(KvCacheDtype.FP8_E5M2, c.kvCacheDtype());
        assertEquals("gptq", c.quantization());
        var d = EngineSettings.of(config(Map.of()));
        assertEquals(KvCacheDtype.AUTO, d.kvCacheDtype());
        assertEquals(null, d.quantization());
        assertEquals(KvCacheDtype.BF16, EngineSettings.of(config(Map.of("invariant.kv-cache-dtype", "bf16",
                "kv_cache_dtype", "fp8_e5m2"))).kvCacheDtype(), "Invariant's property wins");
        EngineException e = assertThrows(EngineException.class,
                () -> EngineSettings.of(config(Map.of("kv_cache_dtype", "fp4"))));
        assertTrue(e.getMessage().contains("fp4"), e.getMessage());
    }

    @Test
    void gpuMemoryUtilizationIsReadByEitherNameAndValidated() {
        assertEquals(0.0, EngineSettings.of(config(Map.of())).gpuMemoryUtilization(), "default: unset");
        for (String name : new String[] {"gpu_memory_utilization", "invariant.gpu-memory-utilization"}) {
            assertEquals(0.95, EngineSettings.of(config(Map.of(name, "0.95"))).gpuMemoryUtilization(), name);
        }
        for (String bad : new String[] {"1.5", "-0.1", "most", "NaN"}) {
            EngineException e = assertThrows(EngineException.class,
                    () -> EngineSettings.of(config(Map.of("gpu_memory_utilization", bad))));
            assertEquals("gpu_memory_utilization", e.param());
            assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
        }
    }
}
