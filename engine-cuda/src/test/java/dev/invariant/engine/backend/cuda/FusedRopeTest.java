package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.kv.KvCacheDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * FusedRope's launch against kernels/matvec_stream.cu (no GPU needed): every kernel it loads is instantiated there,
 * each ring's kernels with that ring's macros (so the warps and slots Java launches with are the kernel's), and the
 * names follow rope_kv.cu's KV suffixes.
 */
class FusedRopeTest {
    private static final Path SOURCE = Path.of("..", "kernels", "matvec_stream.cu");  // from the module's directory

    @Test
    void everyKernelIsInstantiatedWithItsRing() throws IOException {
        String src = Files.readString(SOURCE);
        for (String[] d : new String[][] {{"bf16", "unsigned short"}, {"f32", "float"}}) {
            assertTrue(src.contains("MATVEC_STREAM_ROPE_KV(" + d[0] + ", " + d[1] + ", SLOTS, STREAM_WARPS, )\n"),
                    d[0] + " base ring");
            assertTrue(src.contains("MATVEC_STREAM_ROPE_KV(" + d[0] + ", " + d[1] + ", W16_SLOTS, W16_WARPS, _w16)\n"),
                    d[0] + " w16 ring");
        }
        for (String kv : new String[] {"", "_bf16", "_fp8e4m3", "_fp8e5m2"}) {
            assertTrue(src.contains("MATVEC_STREAM_ROPE(matvec_stream_##dtype##_norm_rope" + kv + "##ring, "), kv);
        }
    }

    @Test
    void names() {
        assertEquals("matvec_stream_bf16_norm_rope", FusedRope.name("bf16", KvCacheDtype.FP32, StreamRing.BASE));
        assertEquals("matvec_stream_bf16_norm_rope_fp8e4m3_w16",
                FusedRope.name("bf16", KvCacheDtype.FP8_E4M3, StreamRing.W16));
        assertEquals("matvec_stream_f32_norm_rope_bf16", FusedRope.name("f32", KvCacheDtype.BF16, StreamRing.BASE));
        assertEquals("matvec_stream_f32_norm_rope_fp8e5m2_w16",
                FusedRope.name("f32", KvCacheDtype.FP8_E5M2, StreamRing.W16));
    }
}
