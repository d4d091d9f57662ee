package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.backend.StepScript;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.kv.KvCacheDtype;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fingerprint names each profile's contract version ({@link NumericsProfile#fingerprintName()}, e.g.
 * {@code portable/2}): completions computed with different arithmetic must never share a fingerprint. This test
 * holds golden logit bits per (profile/version, model) in {@code contract/logits.properties}: SHA-256 of the raw
 * IEEE-754 bits of the logits at the last prompt position and three greedy decode steps. It fails when a change
 * to the kernels changes those bits and the version stays the same. After a deliberate change: bump the profile's
 * contract version and add the lines the failure prints (docs/identity.md).
 */
class ContractVersionTest {
    static final int[] PROMPT = {1, 5, 9, 14, 20, 27, 35, 44};
    static final int STEPS = 4;

    @ParameterizedTest
    // Portable only: its bits are fixed by the contract. NAIVE's are not even fixed run to run (its lane reductions
    // are left to the JIT), so its version is bumped by hand when its algorithm changes; FAST runs on GPUs only.
    // The KV cache dtype joins the key as it joins the fingerprint (Fingerprint.arithmetic); the GPTQ presets pin the
    // dequantisation of docs/numerics.md §14 (weights generated from a fixed seed, docs/weights-digest.md).
    @CsvSource({"stories260K, PORTABLE, FP32", "tiny-qwen2, PORTABLE, FP32", "tiny-qwen3, PORTABLE, FP32",
            "stories260K, PORTABLE, FP8_E5M2", "tiny-qwen2, PORTABLE, FP8_E4M3", "tiny-qwen3, PORTABLE, BF16",
            "tiny-gptq-int8, PORTABLE, FP32", "tiny-gptq-int4, PORTABLE, FP8_E5M2"})
    void logitBitsAreThoseOfTheNamedContractVersion(String model, NumericsProfile profile, KvCacheDtype kv)
            throws IOException {
        String key = Fingerprint.arithmetic(profile, kv) + "." + model;
        String got = logitBitsDigest(model, profile, kv);
        Properties golden = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/contract/logits.properties")) {
            assertNotNull(in, "contract/logits.properties is missing");
            golden.load(in);
        }
        String want = golden.getProperty(key);
        assertNotNull(want, "no golden logit bits for " + key + " in engine/src/test/resources/contract/logits.properties;"
                + " if this contract version is new, add the line:\n" + key.replace("=", "\\=") + "=" + got);
        assertEquals(want, got, "the logit bits of " + model + " under " + profile.wireName() + " changed, but the"
                + " contract version is still " + profile.contractVersion() + ": a build with the old bits and one with"
                + " the new would share fingerprints and report false divergences. Bump the contract version of "
                + profile + " in NumericsProfile (docs/identity.md) and add the line:\n"
                + key.replace(profile.fingerprintName(), profile.wireName() + "/" + (profile.contractVersion() + 1))
                .replace("=", "\\=") + "=" + got);
    }

    static String logitBitsDigest(String model, NumericsProfile profile) {
        return logitBitsDigest(model, profile, KvCacheDtype.FP32);
    }

    static String logitBitsDigest(String model, NumericsProfile profile, KvCacheDtype kv) {
        try (LoadedModel m = LoadedModel.open(model);
             CpuBackend be = new CpuBackend(m.model(), new CpuBackendConfig(2, 16, 8, profile, kv))) {
            List<Integer> ids = new ArrayList<>();
            List<float[]> logits = Greedy.run(be, 0, PROMPT, STEPS, StepScript.blocks(0, 1), ids);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (float[] step : logits) {
                ByteBuffer b = ByteBuffer.allocate(4 * step.length);
                for (float v : step) b.putInt(Float.floatToRawIntBits(v));
                sha.update(b.array());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
