package dev.invariant.monitor.query;

import dev.invariant.engine.text.TokenTexts;
import dev.invariant.engine.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Token ids as text for the divergence view, with the model's real tokenizer where the monitor can load it: the
 * folder {@code <models dir>/<model>} (or the last segment of a hub id {@code org/name}) holding a
 * {@code tokenizer.json}. Without one (no models dir, another machine's model) the view shows ids only.
 */
public final class TokenStrings {
    private static final Logger LOG = Logger.getLogger(TokenStrings.class);

    private final Optional<Path> modelsDir;
    private final Map<String, Optional<TokenTexts>> byModel = new ConcurrentHashMap<>();

    public TokenStrings(Optional<Path> modelsDir) {
        this.modelsDir = modelsDir;
    }

    /** Each id's text (null for an id the tokenizer does not know), or null when this model's tokenizer is not here. */
    public List<String> of(String model, List<Integer> ids) {
        Optional<TokenTexts> texts = byModel.computeIfAbsent(model == null ? "" : model, this::load);
        return texts.map(t -> ids.stream().map(id -> text(t, id)).toList()).orElse(null);
    }

    private static String text(TokenTexts t, int id) {
        try {
            return t.apply(id);
        } catch (RuntimeException e) {
            return null; // an id beyond the vocabulary (a completion from another model of the same name): shown as id
        }
    }

    private Optional<TokenTexts> load(String model) {
        if (modelsDir.isEmpty() || model.isBlank()) return Optional.empty();
        String name = model.substring(model.lastIndexOf('/') + 1);
        if (name.isBlank() || name.equals("..") || name.equals(".") || name.contains("\\")) return Optional.empty();
        Path folder = modelsDir.get().resolve(name);
        if (!Files.isRegularFile(folder.resolve("tokenizer.json"))) return Optional.empty();
        try {
            // Kept for the monitor's lifetime: one per model seen, and the view asks for it again and again.
            Optional<TokenTexts> t = Optional.of(new TokenTexts(Tokenizer.load(folder)));
            LOG.infof("divergence view: token texts of %s from %s", model, folder);
            return t;
        } catch (RuntimeException e) {
            LOG.warnf("divergence view: cannot load the tokenizer of %s from %s (%s): token ids only", model, folder,
                    e.getMessage());
            return Optional.empty();
        }
    }
}
