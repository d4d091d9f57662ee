package dev.invariant.monitor;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The monitor's entry point, compiled for Java 17 (src/main/java17) so that an older runtime says which Java the monitor
 * needs: everything else is compiled for 25, and without this the JVM stopped with exit code 1 and no message.
 */
@QuarkusMain
public final class MonitorMain {
    private MonitorMain() {
    }

    public static void main(String... args) {
        if (Runtime.version().feature() < 25) {
            System.err.println("consistency-monitor: Java 25 or newer is needed, this is Java " + Runtime.version() + " ("
                    + System.getProperty("java.home") + "). Run it with a JDK 25 (e.g. Temurin): set JAVA_HOME and start"
                    + " $JAVA_HOME/bin/java -jar quarkus-run.jar.");
            System.exit(1);
        }
        Quarkus.run(args);
    }
}
