# The inference worker: the Quarkus application built by `./invariant build` (services/inference-worker/target).
# On a GPU service the NVIDIA container toolkit mounts the driver (libcuda) that the cuda backend loads.
# BASE_IMAGE: any Temurin 25 JDK image with java on PATH; deploy/local-base builds one where Docker Hub is out of reach.
ARG BASE_IMAGE=eclipse-temurin:25-jdk
FROM ${BASE_IMAGE}
WORKDIR /app
COPY services/inference-worker/target/quarkus-app/ /app/
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility
EXPOSE 8080
# exec: the JVM is PID 1 and gets SIGTERM itself, so it drains before Docker's stop_grace_period ends.
# Transparent huge pages for the heap and code: a request's path stays in the TLB between requests (the CLI's
# ServiceJvm, docs/benchmarks.md); on a host whose kernel has them off the JVM prints one warning and runs without.
ENTRYPOINT ["java", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", \
    "-XX:MaxRAMPercentage=75", "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages", "-jar", "/app/quarkus-run.jar"]
