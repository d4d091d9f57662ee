package dev.invariant.engine.text;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Stop-string matching over generated text that arrives in deltas. A stop may span several deltas, so a
 * streamer searches the whole text from {@code max(0, previousLength - maxLength() + 1)} after each delta,
 * and holds back the last {@link #holdBack} characters until they can no longer begin a stop.
 */
public final class StopStrings {
    private final List<String> stops;
    private final int maxLength;

    /** @throws EngineException INVALID_PARAM when a stop string is null or empty */
    public StopStrings(List<String> stops) {
        if (stops == null) throw new EngineException(ErrorCode.INVALID_PARAM, "stop strings must be a list, got null");
        for (String s : stops) {
            if (s == null || s.isEmpty()) {
                throw new EngineException(ErrorCode.INVALID_PARAM, "stop strings must be non-empty: remove the empty one");
            }
        }
        this.stops = List.copyOf(stops);
        this.maxLength = this.stops.stream().mapToInt(String::length).max().orElse(0);
    }

    public List<String> stops() {
        return stops;
    }

    /** The length of the longest stop string (0 when there are none). */
    public int maxLength() {
        return maxLength;
    }

    /**
     * The index in {@code text} where the earliest complete stop match starts, considering matches that
     * start at or after {@code searchFrom}; -1 when there is none. When several stops match, the one that
     * starts first wins (the text is cut there), whichever stop it is.
     */
    public int firstMatch(CharSequence text, int searchFrom) {
        return earliest(text, stop -> searchFrom);
    }

    /**
     * {@link #firstMatch} among the matches that end after {@code previousLength}, in the text that came since: each
     * stop is searched from {@code previousLength - its length + 1} (vLLM's window). For text checked after every
     * delta this is {@code firstMatch(text, previousLength - maxLength() + 1)}; it differs when earlier deltas were not
     * checked (min_tokens), where a stop wholly inside them must not count.
     */
    public int firstMatchEndingAfter(CharSequence text, int previousLength) {
        return earliest(text, stop -> previousLength - stop.length() + 1);
    }

    /**
     * Where the text is cut for a match starting at {@code at} (a {@link #firstMatch} result): there, or with
     * {@code include} (vLLM's include_stop_str_in_output) after the stop string that matches there, the first in the
     * list when several do.
     */
    public int cutAt(CharSequence text, int at, boolean include) {
        if (!include) return at;
        for (String stop : stops) {
            if (indexOf(text, stop, at, Math.min(text.length(), at + stop.length())) == at) return at + stop.length();
        }
        throw new IllegalArgumentException("no stop string starts at " + at);
    }

    /** The earliest start of a match, each stop searched from {@code from.applyAsInt(stop)} (at least 0) on. */
    private int earliest(CharSequence text, ToIntFunction<String> from) {
        int best = -1;
        for (String stop : stops) {
            int end = best < 0 ? text.length() : Math.min(text.length(), best - 1 + stop.length());
            int at = indexOf(text, stop, Math.max(0, from.applyAsInt(stop)), end);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /**
     * How many trailing characters of {@code text} are a proper prefix of some stop string, so could still
     * become a match when more text comes; a streamer must not emit them yet.
     */
    public int holdBack(CharSequence text) {
        int hold = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
                if (endsWithPrefix(text, stop, k)) {
                    hold = k;
                    break;
                }
            }
        }
        return hold;
    }

    /** First index i in [from, end - stop.length()] where stop occurs, or -1. */
    private static int indexOf(CharSequence text, String stop, int from, int end) {
        int last = end - stop.length();
        outer:
        for (int i = from; i <= last; i++) {
            for (int j = 0; j < stop.length(); j++) {
                if (text.charAt(i + j) != stop.charAt(j)) continue outer;
            }
            return i;
        }
        return -1;
    }

    /** Whether the last k chars of text equal the first k chars of stop. */
    private static boolean endsWithPrefix(CharSequence text, String stop, int k) {
        int base = text.length() - k;
        for (int j = 0; j < k; j++) {
            if (text.charAt(base + j) != stop.charAt(j)) return false;
        }
        return true;
    }
}
