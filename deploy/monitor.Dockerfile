# The consistency monitor and its dashboard: the Quarkus application built by `./invariant build`.
# BASE_IMAGE: any Temurin 25 JDK image with java on PATH; deploy/local-base builds one where Docker Hub is out of reach.
ARG BASE_IMAGE=eclipse-temurin:25-jdk
FROM ${BASE_IMAGE}
WORKDIR /app
COPY services/consistency-monitor/target/quarkus-app/ /app/
EXPOSE 8090
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/quarkus-run.jar"]
