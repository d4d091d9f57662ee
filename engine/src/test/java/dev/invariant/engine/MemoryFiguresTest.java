package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.engine.kv.KvCacheDtype;
import org.junit.jupiter.api.Test;

class MemoryFiguresTest {
    @Test
    void sizesBelowOneGigabyteAreGivenInMegabytes() {
        var small = new MemoryFigures(1_049_600, "none", 41_943_040, KvCacheDtype.FP32, 32768, 2048, 16, 5, 32);
        assertEquals("memory: weights 1.05 MB (dense) + KV cache 41.94 MB (fp32, 32768 tokens = 2048 blocks x 16,"
                + " 5 layers x 2 x 32 values) = 42.99 MB", small.line());
    }

    @Test
    void largeSizesStayInGigabytes() {
        var large = new MemoryFigures(16_030_000_000L, "gptq int8 g128 sym", 4_096_000_000L, KvCacheDtype.FP8_E5M2,
                10000, 625, 16, 40, 5120);
        assertEquals("memory: weights 16.03 GB (gptq int8 g128 sym) + KV cache 4.10 GB (fp8_e5m2, 10000 tokens ="
                + " 625 blocks x 16, 40 layers x 2 x 5120 values) = 20.13 GB", large.line());
    }
}
