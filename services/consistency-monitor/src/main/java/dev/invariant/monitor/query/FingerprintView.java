package dev.invariant.monitor.query;

import dev.invariant.monitor.topology.FingerprintState;
import dev.invariant.monitor.topology.ProducerInfo;
import dev.invariant.schemas.consistency.OutputDiff;
import java.util.ArrayList;
import java.util.List;

/**
 * One fingerprint for the dashboard's divergence view: each distinct output with where it parts from the first
 * one (token position and character offset), its tokens and text.
 */
public record FingerprintView(String fingerprint, String model, String profile, long completions, boolean divergent,
                              List<OutputView> outputs) {

    /**
     * @param tokenTexts      each token id's text (the model's tokenizer), null when the monitor cannot load it
     * @param firstDifference token position where this output first differs from the first output; -1 for that one
     */
    public record OutputView(String outputHash, String requestId, long count, long firstSeen, long lastSeen,
                             int tokenCount, List<ProducerInfo> producers, List<Integer> tokenIds, List<String> tokenTexts,
                             String text, int firstDifference, int textDifference) {
    }

    public static FingerprintView of(String fingerprint, FingerprintState s, TokenStrings tokens) {
        List<OutputView> outputs = new ArrayList<>();
        FingerprintState.Output first = s.expected();
        s.outputs.forEach((hash, o) -> {
            boolean isFirst = o == first;
            outputs.add(new OutputView(hash, o.requestId, o.count, o.firstSeen, o.lastSeen, o.tokenCount,
                    o.producers, o.tokenIds, tokens.of(s.model, o.tokenIds), o.text,
                    isFirst ? -1 : OutputDiff.firstDifferentToken(first.tokenIds, o.tokenIds),
                    isFirst ? -1 : OutputDiff.firstDifferentChar(first.text, o.text)));
        });
        return new FingerprintView(fingerprint, s.model, s.dims == null ? "" : s.dims.profile(), s.completions,
                s.divergent(), outputs);
    }
}
