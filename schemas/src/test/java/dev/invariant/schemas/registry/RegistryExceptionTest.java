package dev.invariant.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Only the registry's own not-found codes say a schema id is unknown (and its record a dead letter); a bare 404 (a
 * proxy before a missing registry, a wrong base URL) or a refused login is a fault of reaching the registry, which
 * the worker waits out. RegistryIntegrationTest checks Apicurio answers 40403 for an unknown id.
 */
class RegistryExceptionTest {
    @Test
    void onlyTheRegistrysNotFoundCodesMeanNotFound() {
        var unknownId = new RegistryException(404, 40403, "schema not found");
        assertTrue(unknownId.isNotFound());
        assertFalse(unknownId.isRegistryFault());
        assertTrue(new RegistryException(404, 40401, "subject not found").isNotFound());

        for (var fault : new RegistryException[] {new RegistryException(404, 0, "nginx default backend"),
                new RegistryException(404, 404, "proxy"), new RegistryException(401, 0, "login"),
                new RegistryException(403, 40301, "forbidden")}) {
            assertFalse(fault.isNotFound(), fault.getMessage());
            assertTrue(fault.isRegistryFault(), fault.getMessage());
        }
        assertTrue(new RegistryException(503, 0, "down").isTransient());
        assertFalse(new RegistryException(422, 0, "not Avro").isRegistryFault());
    }
}
