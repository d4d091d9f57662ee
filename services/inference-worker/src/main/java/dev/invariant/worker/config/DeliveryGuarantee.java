package dev.invariant.worker.config;

import java.util.Locale;

/**
 * {@code invariant.delivery.guarantee}: {@code at-least-once} (the intake commits offsets up to the requests whose
 * outcomes the broker acknowledged) or {@code exactly-once} (the offsets are committed inside the worker's
 * transactions and the consumer itself commits nothing).
 */
public final class DeliveryGuarantee {
    public static final String AT_LEAST_ONCE = "at-least-once";
    public static final String EXACTLY_ONCE = "exactly-once";
    static final String PROPERTY = "invariant.delivery.guarantee";

    private final boolean exactlyOnce;

    private DeliveryGuarantee(boolean exactlyOnce) {
        this.exactlyOnce = exactlyOnce;
    }

    public static DeliveryGuarantee of(WorkerConfig config) {
        return new DeliveryGuarantee(parse(config.delivery().guarantee()));
    }

    public boolean exactlyOnce() {
        return exactlyOnce;
    }

    private static boolean parse(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case AT_LEAST_ONCE -> false;
            case EXACTLY_ONCE -> true;
            default -> throw new IllegalArgumentException(PROPERTY + " is '" + value + "': use " + AT_LEAST_ONCE
                    + " (the default) or " + EXACTLY_ONCE);
        };
    }
}
