package dev.invariant.engine.kv;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.Locale;

/**
 * What the KV cache stores per element (vLLM's {@code kv_cache_dtype}). Values are written rounded to this type and
 * read back converted exactly to binary32 (docs/numerics.md, "KV cache storage"); {@code auto} is fp32, today's
 * cache, so it shares fp32's results and fingerprints.
 */
public enum KvCacheDtype {
    AUTO(4), FP32(4), BF16(2), FP8_E4M3(1), FP8_E5M2(1);

    private final int bytes;

    KvCacheDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored element. */
    public int bytes() {
        return bytes;
    }

    /** What is actually stored: {@code auto} means fp32. */
    public KvCacheDtype storage() {
        return this == AUTO ? FP32 : this;
    }

    /** The name used in configs, options and the fingerprint: {@code auto}, {@code fp32}, {@code fp8_e5m2}, … */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; {@code fp8} is vLLM's alias of {@code fp8_e4m3}. */
    public static KvCacheDtype fromWire(String s) {
        if (s != null) {
            String n = s.trim().toLowerCase(Locale.ROOT);
            if (n.equals("fp8")) return FP8_E4M3;
            for (KvCacheDtype d : values()) {
                if (d.wireName().equals(n)) return d;
            }
        }
        throw new EngineException(ErrorCode.INVALID_PARAM, "unknown kv_cache_dtype '" + s
                + "': use auto, fp32, bf16, fp8_e4m3 (alias fp8) or fp8_e5m2");
    }
}
