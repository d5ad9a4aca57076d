# One image for every Kiln deployable: `kiln gateway`, `kiln worker --role R`, `kiln serve`.
FROM rust:1.89-bookworm AS build
WORKDIR /src
# librdkafka, libjpeg-turbo, LAME and libopus are built from their crates' bundled sources
# (make, gcc, perl, libssl-dev are in this image; cmake and nasm are not).
RUN apt-get update && apt-get install -y --no-install-recommends cmake nasm && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked -p kiln && strip target/release/kiln

FROM debian:bookworm-slim
# libssl: librdkafka's TLS and SASL (Kafka); CA certificates for TLS anywhere.
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 kiln
COPY --from=build /src/target/release/kiln /usr/local/bin/kiln
USER kiln
ENV KILN_LISTEN=0.0.0.0:8080 KILN_HEALTH_LISTEN=0.0.0.0:9090 KILN_DATA_DIR=/tmp/kiln-data
EXPOSE 8080 9090
ENTRYPOINT ["kiln"]
CMD ["serve"]
