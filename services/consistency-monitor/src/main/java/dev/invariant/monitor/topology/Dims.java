package dev.invariant.monitor.topology;

import dev.invariant.schemas.Completion;

/**
 * The breakdown every aggregate is kept by: model, engine, numerics profile and backend of a completion. Its
 * {@link #key()} is the store key and the metric labels.
 */
public record Dims(String model, String engine, String profile, String backend) {
    private static final char SEP = '\t';

    public Dims {
        model = clean(model);
        engine = clean(engine);
        profile = clean(profile);
        backend = clean(backend);
    }

    public static Dims of(Completion c) {
        var e = c.getEngine();
        return e == null ? new Dims(c.getModel(), "", "", "")
                : new Dims(c.getModel(), e.getName(), e.getNumericsProfile(), e.getBackend());
    }

    public String key() {
        return model + SEP + engine + SEP + profile + SEP + backend;
    }

    public static Dims parse(String key) {
        String[] p = key.split(String.valueOf(SEP), -1);
        if (p.length != 4) return new Dims(key, "", "", "");
        return new Dims(p[0], p[1], p[2], p[3]);
    }

    private static String clean(String s) {
        return s == null || s.isBlank() ? "unknown" : s.replace(SEP, ' ');
    }
}
