package dev.invariant.worker;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The worker's entry point, compiled for Java 17 (src/main/java17) so that an older runtime says which Java the worker
 * needs: everything else is compiled for 25, and without this the JVM stopped with exit code 1 and no message.
 */
@QuarkusMain
public final class WorkerMain {
    private WorkerMain() {
    }

    public static void main(String... args) {
        if (Runtime.version().feature() < 25) {
            System.err.println("inference-worker: Java 25 or newer is needed, this is Java " + Runtime.version() + " ("
                    + System.getProperty("java.home") + "). Run it with a JDK 25 (e.g. Temurin): set JAVA_HOME and start"
                    + " $JAVA_HOME/bin/java -jar quarkus-run.jar.");
            System.exit(1);
        }
        Quarkus.run(args);
    }
}
