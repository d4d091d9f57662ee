package dev.invariant.engine.model.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.model.ModelWeights;
import dev.invariant.engine.model.WeightMapping;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Real layouts inspected without their weights: a 14B shape must cost no weight memory. */
class LargeShapesTest {

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private static long heapUsed() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    @Test
    void qwen15_14bShapesWithoutMaterialising() {
        long direct = directBytes(), heap = heapUsed();
        SyntheticModel m = SyntheticModel.create("synthetic:qwen1.5-14b");
        ModelWeights w = WeightMapping.map(m.config(), m.tensors());
        assertEquals(40, w.layers().size());
        assertArrayEquals(new long[] {152064, 5120}, w.embedTokens().shape());
        assertArrayEquals(new long[] {152064, 5120}, w.lmHead().shape());
        assertTrue(w.lmHead() != w.embedTokens(), "Qwen1.5-14B does not tie its embeddings");
        assertArrayEquals(new long[] {5120}, w.layers().get(39).qBias().shape());
        assertArrayEquals(new long[] {13696, 5120}, w.layers().get(0).gateProj().shape());
        // Qwen1.5-14B's published parameter count
        assertEquals(14_167_290_880L, m.preset().parameterCount());
        assertEquals(2 * 14_167_290_880L, m.byteSize());
        long grewDirect = directBytes() - direct, grewHeap = heapUsed() - heap;
        assertTrue(grewDirect < (1 << 20), "direct memory grew by " + grewDirect);
        assertTrue(grewHeap < (32 << 20), "heap grew by " + grewHeap);
    }

    @Test
    void qwen15_14bGptqShapesAndMemoryFiguresWithoutMaterialising() {
        long direct = directBytes(), heap = heapUsed();
        SyntheticModel int8 = SyntheticModel.create("synthetic:qwen1.5-14b-gptq-int8");
        ModelWeights w = WeightMapping.map(int8.config(), int8.tensors(), int8.preset().gptq());
        var gate = w.layers().get(0).gptq().gateProj();
        assertArrayEquals(new long[] {5120 / 4, 13696}, gate.qweight().shape());
        assertArrayEquals(new long[] {40, 13696 / 4}, gate.qzeros().shape());
        assertArrayEquals(new long[] {40, 13696}, gate.scales().shape());
        assertArrayEquals(new long[] {5120}, gate.gIdx().shape());
        assertArrayEquals(new long[] {13696 / 4, 5120}, w.layers().get(39).gptq().downProj().qweight().shape());
        assertEquals(14_167_290_880L, int8.preset().parameterCount());
        SyntheticModel dense = SyntheticModel.create("synthetic:qwen1.5-14b");
        SyntheticModel int4 = SyntheticModel.create("synthetic:qwen1.5-14b-gptq-int4");
        assertEquals(int8.byteSize(), w.byteSize());
        assertTrue(int8.byteSize() < 0.6 * dense.byteSize(), "int8 packs the projections into a byte each");
        assertTrue(int4.byteSize() < 0.4 * dense.byteSize(), "int4 into half a byte");
        // the configuration: the 14B int8 model plus a 10,000-token fp8 KV cache
        var model = new dev.invariant.engine.model.Model("synthetic:qwen1.5-14b-gptq-int8", null, int8.config(), w, "x");
        var config = dev.invariant.engine.EngineConfig.defaults(model.id()).withKvCache(16, 10000, true)
                .withKvCacheDtype(dev.invariant.engine.kv.KvCacheDtype.FP8_E5M2);
        var figures = dev.invariant.engine.MemoryFigures.of(model, config);
        assertEquals(2L * 40 * 10000 * 5120, figures.kvBytes());
        assertEquals(int8.byteSize(), figures.weightsBytes());
        assertTrue(figures.line().contains("gptq int8 g128 sym") && figures.line().contains("fp8_e5m2, 10000 tokens"),
                figures.line());
        long grewDirect = directBytes() - direct, grewHeap = heapUsed() - heap;
        assertTrue(grewDirect < (1 << 20), "direct memory grew by " + grewDirect);
        assertTrue(grewHeap < (32 << 20), "heap grew by " + grewHeap);
    }

    @Test
    void qwen25_05bLayout() {
        SyntheticModel m = SyntheticModel.create("synthetic:qwen2.5-0.5b@f32");
        var c = m.config();
        assertEquals(896, c.hiddenSize());
        assertEquals(14, c.numHeads());
        assertEquals(2, c.numKvHeads());
        assertEquals(64, c.headDim());
        assertEquals(4864, c.intermediateSize());
        assertEquals(151936, c.vocabSize());
        assertEquals(1e6, c.ropeTheta());
        assertEquals(1e-6f, c.rmsNormEps());
        assertTrue(c.tieWordEmbeddings() && c.attentionBias());
        // Qwen2.5-0.5B's published parameter count
        assertEquals(494_032_768L, m.preset().parameterCount());
        assertEquals(4 * 494_032_768L, m.byteSize());
        assertEquals("synthetic:qwen2.5-0.5b@f32", m.id());
    }

    /** Qwen1.5-MoE-A2.7B: 14.3B parameters (Qwen's figure), 60 experts and a shared one in each of 24 layers. */
    @Test
    void qwen15MoeLayoutWithoutMaterialising() {
        SyntheticModel m = SyntheticModel.create("synthetic:qwen1.5-moe-a2.7b");
        var moe = m.config().moe();
        assertEquals(new dev.invariant.engine.model.Moe(60, 4, 1408, false, 5632,
                java.util.Collections.nCopies(24, true)), moe);
        // embeddings and lm_head 2 × 151936 × 2048; per layer q|k|v|o with biases, 2 norms, the router, 60 experts
        // of 3 × 1408 × 2048, the shared expert of 3 × 5632 × 2048 and its gate
        assertEquals(14_315_784_192L, m.preset().parameterCount());
        var w = dev.invariant.engine.model.WeightMapping.map(m.config(), m.tensors());
        assertEquals(60, w.layers().get(23).moe().experts().size());
        assertEquals(1, w.layers().get(0).moe().sharedGate().shape()[0]);
    }
}
