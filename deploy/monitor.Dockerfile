# The consistency monitor and its dashboard: the Quarkus application built by `./invariant build`.
FROM eclipse-temurin:25-jdk
WORKDIR /app
COPY services/consistency-monitor/target/quarkus-app/ /app/
EXPOSE 8090
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/quarkus-run.jar"]
