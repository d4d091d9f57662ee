package dev.invariant.worker.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import java.util.Locale;

/**
 * {@code invariant.delivery.guarantee}, and what it implies for the requests consumer, applied as configuration so
 * that one setting switches the mode: under {@code exactly-once} the offsets are committed inside the worker's
 * transactions: the connector's own commits are off ({@code commit-strategy=ignore}).
 */
public final class DeliveryGuarantee implements ConfigSourceInterceptor {
    public static final String AT_LEAST_ONCE = "at-least-once";
    public static final String EXACTLY_ONCE = "exactly-once";
    static final String PROPERTY = "invariant.delivery.guarantee";
    private static final String COMMIT_STRATEGY = "mp.messaging.incoming.requests.commit-strategy";

    private final boolean exactlyOnce;

    /** For the interceptor's service registration. */
    public DeliveryGuarantee() {
        this(false);
    }

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

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!name.equals(COMMIT_STRATEGY) || value == null) return value;
        ConfigValue mode = context.proceed(PROPERTY);
        if (mode == null || mode.getValue() == null || !parse(mode.getValue())) return value;
        return value.withValue("ignore");
    }
}
