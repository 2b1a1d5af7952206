# lookslike in a container, on Debian 12: a build stage (compilers, -dev
# packages, model conversion) and a lean runtime stage (shared libraries, the
# binary, the models, the UI).
#   docker build -t lookslike .                                   # default: oneDNN engine only
#   docker build --build-arg WITH_DARKNET=1 -t lookslike:darknet .  # adds --engine darknet (~900 MB more)
#   podman build --format docker -t lookslike .                   # podman: keep the HEALTHCHECK
#   podman build --format docker --platform linux/arm64 -t lookslike:arm64 .   # arm64 (no darknet)
#   bash tools/container_image.sh                                 # amd64 + arm64: one manifest list
# Model sources: put the official files in ./model-source/<folder>/ of the build
# context to build offline (tools/container_test.sh copies ../shared/models
# there); otherwise the pinned files are downloaded. Either way they are
# sha256-checked against models/*.sources.
# The base is a tag, not a digest: bookworm-slim is rebuilt with Debian's
# security updates, which a digest would freeze. For a reproducible build pass
# one: --build-arg BASE_IMAGE=debian:bookworm-slim@sha256:...
# tools/verify_fresh_debian.sh runs the same build steps in a debootstrapped root.
ARG BASE_IMAGE=debian:bookworm-slim

# The build stage runs on the builder's own platform and cross-compiles for the
# target's (TARGETARCH; tools/container_build.sh): an arm64 image is compiled at
# native speed, only its runtime stage's apt-get runs under emulation. Docker's
# legacy builder defines none of BUILDPLATFORM, TARGETPLATFORM, TARGETARCH: it
# builds amd64.
FROM --platform=${BUILDPLATFORM:-linux/amd64} ${BASE_IMAGE} AS build
ARG TARGETARCH
ARG WITH_DARKNET=0
WORKDIR /src
# Packages first, sources after: an edit to the sources does not re-run apt.
COPY tools/debian-packages.txt tools/debian-arm64-packages.txt tools/install_packages.sh tools/cross_arm64.sh \
     tools/container_build.sh tools/
RUN TARGETARCH=${TARGETARCH} WITH_DARKNET=${WITH_DARKNET} bash tools/container_build.sh --packages \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN TARGETARCH=${TARGETARCH} WITH_DARKNET=${WITH_DARKNET} LOOKSLIKE_SKIP_PACKAGES=1 \
    bash tools/container_build.sh /opt/lookslike

# (podman 4.3 runs a stage without --platform on the previous stage's platform)
FROM --platform=${TARGETPLATFORM:-linux/amd64} ${BASE_IMAGE} AS runtime
ARG WITH_DARKNET=0
# A fixed numeric user, so that Kubernetes' runAsNonRoot can verify it.
ARG UID=10001
COPY tools/debian-runtime-packages.txt tools/install_packages.sh /tmp/
# Leaves no package lists or caches behind (a base made with debootstrap has
# no apt hook that cleans them), nor documentation.
RUN printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
      > /etc/dpkg/dpkg.cfg.d/lookslike-no-docs \
 && WITH_DARKNET=${WITH_DARKNET} bash /tmp/install_packages.sh /tmp/debian-runtime-packages.txt \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log /tmp/* \
 && groupadd --gid ${UID} lookslike \
 && useradd --uid ${UID} --gid ${UID} --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lookslike
COPY --from=build /opt/lookslike /opt/lookslike
ENV LOOKSLIKE_MODEL_DIR=/opt/lookslike/share/lookslike/models \
    LOOKSLIKE_STATIC_DIR=/opt/lookslike/share/lookslike/static \
    LOOKSLIKE_BIND=0.0.0.0 \
    LOOKSLIKE_PORT=8080
USER ${UID}:${UID}
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["/opt/lookslike/bin/lookslike", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/lookslike/bin/lookslike"]
