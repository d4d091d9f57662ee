package dev.invariant.schemas.registry;

/** The compatibility levels of the Confluent REST API ({@code PUT /config/{subject}}). */
public enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    static Compatibility parse(String level, String from) {
        for (Compatibility c : values()) {
            if (c.name().equalsIgnoreCase(level)) return c;
        }
        throw new RegistryException(200, 0, "registry answered an unknown compatibility level '" + level
                + "' for " + from + ": expected one of NONE, BACKWARD, FORWARD, FULL (optionally _TRANSITIVE)");
    }
}
