# syntax=docker/dockerfile:1
# Multi-stage build: a full Rust toolchain compiles the release binary; the runtime image
# is Debian slim with only CA certificates, tini and the binary, running as a non-root user.
# Build:  docker build -t infinidream-server .
# Run:    docker run -e DATABASE_URL=... -e REDIS_URL=... -p 8080:8080 infinidream-server

ARG RUST_VERSION=1.95.0

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# aws-lc-rs needs cmake, clang-free builds need gcc/g++ and perl; pkg-config for -sys crates.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake perl pkg-config \
 && rm -rf /var/lib/apt/lists/*
# Dependencies first, so a source change does not refetch and rebuild them.
COPY Cargo.toml Cargo.lock rust-toolchain.toml build.rs ./
COPY actors/Cargo.toml actors/Cargo.toml
RUN mkdir -p src/bin/loadgen actors/src benches \
 && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
 && echo 'fn main() {}' > src/bin/loadgen/main.rs && echo 'fn main() {}' > src/bin/echo_floor.rs \
 && echo 'fn main() {}' > benches/protocol.rs && echo '' > actors/src/lib.rs \
 && cargo fetch --locked
COPY . .
# `touch` makes cargo rebuild the workspace crates over the placeholder build above.
RUN touch src/main.rs src/lib.rs actors/src/lib.rs \
 && cargo build --release --locked --bin infinidream \
 && strip target/release/infinidream

FROM debian:bookworm-slim AS runtime
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 infinidream \
 && useradd --system --uid 10001 --gid infinidream --home-dir /nonexistent --shell /usr/sbin/nologin infinidream
COPY --from=build /src/target/release/infinidream /usr/local/bin/infinidream
USER 10001:10001
ENV HOST=0.0.0.0 PORT=8080 APP_ENV=production LOG_FORMAT=json
EXPOSE 8080
# tini forwards SIGTERM so the server drains (README "Reliability"); PID 1 reaps children.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/infinidream"]
CMD ["serve"]
# Health is probed by the load balancer (GET /api/v1/health; 503 while draining), see
# deploy/haproxy.cfg, so the image needs no curl.
