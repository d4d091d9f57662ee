package dev.invariant.cli;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.sample.SamplingParams;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Fingerprint and output hash of an answer from another engine (docs/identity.md, "Audited engines"): what we can
 * know of a remote request is the model name it served, the {@code system_fingerprint} it reported, the prompt and
 * the parameters sent; what we can know of its answer is the text.
 */
final class RemoteIdentity {
    static final String VERSION = "invariant.audit.v1";

    private RemoteIdentity() {
    }

    /**
     * @param nonce {@code null} for a greedy or seeded request; otherwise the request id (an unseeded sampled
     *              request is not expected to agree with its repeats, so it gets its own fingerprint)
     */
    static String fingerprint(String endpointModel, String systemFingerprint, Prompt prompt, SamplingParams p, String nonce) {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            str(out, VERSION);
            str(out, endpointModel);
            str(out, systemFingerprint == null ? "" : systemFingerprint);
            switch (prompt) {
                case Prompt.Text t -> {
                    out.writeByte(0);
                    str(out, t.text());
                }
                case Prompt.Chat c -> {
                    out.writeByte(1);
                    out.writeInt(c.messages().size());
                    for (var m : c.messages()) {
                        str(out, m.role());
                        str(out, m.content());
                    }
                }
                case Prompt.TokenIds ids -> {
                    out.writeByte(2);
                    out.writeInt(ids.ids().length);
                    for (int id : ids.ids()) out.writeInt(id);
                }
            }
            out.writeInt(Float.floatToIntBits(p.temperature() + 0.0f));
            out.writeInt(p.topK());
            out.writeInt(Float.floatToIntBits(p.topP() + 0.0f));
            out.writeInt(p.maxTokens());
            out.writeLong(p.isGreedy() || p.seed() == null ? 0L : p.seed());
            out.writeInt(p.stop().size());
            for (String s : p.stop()) str(out, s);
            str(out, nonce == null ? "" : nonce);
            if (hasMore(p)) {
                // Only requests with more than v1 knew of carry these, so v1's fingerprints stay what they were.
                str(out, "more");
                out.writeInt(Float.floatToIntBits(p.minP() + 0.0f));
                out.writeInt(Float.floatToIntBits(p.repetitionPenalty() + 0.0f));
                out.writeInt(Float.floatToIntBits(p.presencePenalty() + 0.0f));
                out.writeInt(Float.floatToIntBits(p.frequencyPenalty() + 0.0f));
                int[] stopIds = p.stopTokenIds().stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
                out.writeInt(stopIds.length);
                for (int id : stopIds) out.writeInt(id);
                out.writeByte(p.ignoreEos() ? 1 : 0);
                out.writeInt(p.n());
                out.writeInt(p.bestOf());
                out.writeByte(p.useBeamSearch() ? 1 : 0);
                out.writeInt(Float.floatToIntBits(p.lengthPenalty() + 0.0f));
                str(out, p.earlyStopping().wire);
            }
            // logit_bias, min_tokens, allowed_token_ids, structured output, include_stop_str_in_output,
            // skip_special_tokens: tagged and only when set, as in Invariant's fingerprint.
            out.write(Fingerprint.extensionFields(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256(bytes.toByteArray());
    }

    /** Whether {@code p} sets anything v1's encoding does not cover (penalties, min_p, n, beam search, ...). */
    static boolean hasMore(SamplingParams p) {
        SamplingParams d = SamplingParams.builder().build();
        return p.minP() != d.minP() || p.repetitionPenalty() != d.repetitionPenalty()
                || p.presencePenalty() != d.presencePenalty() || p.frequencyPenalty() != d.frequencyPenalty()
                || !p.stopTokenIds().isEmpty() || p.ignoreEos() || p.n() != d.n() || p.bestOf() != p.n()
                || p.useBeamSearch() || p.lengthPenalty() != d.lengthPenalty() || p.earlyStopping() != d.earlyStopping();
    }

    /** SHA-256 of the answer's text as UTF-8: remote engines rarely return token ids. */
    static String outputHash(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
