# One image for every Kiln deployable: `kiln gateway`, `kiln worker --role R`, `kiln serve`.
FROM rust:1.88-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p kiln && strip target/release/kiln

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 kiln
COPY --from=build /src/target/release/kiln /usr/local/bin/kiln
USER kiln
ENV KILN_LISTEN=0.0.0.0:8080 KILN_HEALTH_LISTEN=0.0.0.0:9090 KILN_DATA_DIR=/tmp/kiln-data
EXPOSE 8080 9090
ENTRYPOINT ["kiln"]
CMD ["serve"]
