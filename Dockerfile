# lookslike in a container: build stage (compilers, -dev packages, model conversion)
# and a slim runtime stage (shared libraries, the binary, the model, the UI).
#   docker build -t lookslike .                       # with the libdarknet engine
#   docker build --build-arg WITH_DARKNET=0 -t lookslike .
# Model sources: put the official files in ./model-source/<folder>/ of the build
# context to build offline; otherwise tools/make_model.sh downloads the pinned
# files. Either way they are sha256-checked against models/*.sources.
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
ARG WITH_DARKNET=1
# The same package list the native build installs (tools/debian-packages.txt).
COPY tools/debian-packages.txt /tmp/debian-packages.txt
RUN apt-get update \
 && grep -v '^\s*\(#\|$\)' /tmp/debian-packages.txt \
    | { if [ "$WITH_DARKNET" = 1 ]; then cat; else grep -vx darknet; fi; } \
    | DEBIAN_FRONTEND=noninteractive xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN meson setup /build --prefix=/opt/lookslike -Dmodel_source=/src/model-source \
      -Ddarknet=$([ "$WITH_DARKNET" = 1 ] && echo enabled || echo disabled) \
 && meson compile -C /build \
 && meson install -C /build --skip-subprojects

FROM ${DEBIAN_IMAGE} AS runtime
ARG WITH_DARKNET=1
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libcjson1 libturbojpeg0 libdnnl2 libgomp1 curl \
      $([ "$WITH_DARKNET" = 1 ] && echo darknet) \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin lookslike
COPY --from=build /opt/lookslike /opt/lookslike
ENV LOOKSLIKE_MODEL_DIR=/opt/lookslike/share/lookslike/models \
    LOOKSLIKE_STATIC_DIR=/opt/lookslike/share/lookslike/static \
    LOOKSLIKE_BIND=0.0.0.0 \
    LOOKSLIKE_PORT=8080
USER lookslike
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/opt/lookslike/bin/lookslike"]
