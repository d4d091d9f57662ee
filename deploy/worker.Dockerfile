# The inference worker: the Quarkus application built by `./invariant build` (services/inference-worker/target).
# On a GPU service the NVIDIA container toolkit mounts the driver (libcuda) that the cuda backend loads.
FROM eclipse-temurin:25-jdk
WORKDIR /app
COPY services/inference-worker/target/quarkus-app/ /app/
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility
EXPOSE 8080
# exec: the JVM is PID 1 and gets SIGTERM itself, so it drains before Docker's stop_grace_period ends.
ENTRYPOINT ["java", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", \
    "-XX:MaxRAMPercentage=75", "-XX:+UseParallelGC", "-jar", "/app/quarkus-run.jar"]
