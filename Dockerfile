# lookslike in a container: a build stage (compilers, -dev packages, model
# conversion) and a slim runtime stage (shared libraries, the binary, the
# model, the UI), on Debian 12.
#   docker build -t lookslike .                         # with the libdarknet engine
#   docker build --build-arg WITH_DARKNET=0 -t lookslike .
# Model sources: put the official files in ./model-source/<folder>/ of the build
# context to build offline; otherwise the pinned files are downloaded. Either
# way they are sha256-checked against models/*.sources.
# tools/verify_fresh_debian.sh runs these same steps in a debootstrapped root.
FROM debian:bookworm-slim AS build
ARG WITH_DARKNET=1
WORKDIR /src
COPY . .
RUN WITH_DARKNET=${WITH_DARKNET} bash tools/container_build.sh /opt/lookslike \
 && rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim AS runtime
ARG WITH_DARKNET=1
COPY tools/debian-runtime-packages.txt /tmp/packages.txt
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(grep -v '^\s*\(#\|$\)' /tmp/packages.txt | { if [ "$WITH_DARKNET" = 1 ]; then cat; else grep -vx darknet; fi; }) \
 && rm -rf /var/lib/apt/lists/* /tmp/packages.txt \
 && useradd --system --no-create-home --shell /usr/sbin/nologin lookslike
COPY --from=build /opt/lookslike /opt/lookslike
ENV LOOKSLIKE_MODEL_DIR=/opt/lookslike/share/lookslike/models \
    LOOKSLIKE_STATIC_DIR=/opt/lookslike/share/lookslike/static \
    LOOKSLIKE_BIND=0.0.0.0 \
    LOOKSLIKE_PORT=8080
USER lookslike
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/opt/lookslike/bin/lookslike"]
