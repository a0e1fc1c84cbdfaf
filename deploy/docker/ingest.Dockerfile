# syntax=docker/dockerfile:1
# ingest: log intake over HTTP (POST /v1/logs) and syslog -> ECS events on Kafka.
#
# Build from the repository root (the context must hold the whole pnpm workspace layout):
#   docker build -f deploy/docker/ingest.Dockerfile -t soc-stream/ingest:local .
# The build context is filtered by deploy/docker/ingest.Dockerfile.dockerignore (BuildKit).
#
# How: the services run their TypeScript sources directly (Node 24 type stripping), and Node
# refuses to strip types from files under node_modules (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING).
# `pnpm deploy` copies the workspace packages into node_modules/.pnpm, so a service deployed
# that way does not start. Instead the build stage keeps the workspace layout: it installs
# the production dependencies of `@soc/service-ingest...` (the service and every workspace
# package it depends on, directly or not) with pnpm, which links packages/* from
# node_modules, then deletes the workspace packages outside that closure. The runtime stage
# copies the result. No list of packages to maintain here: package.json files decide.

ARG NODE_VERSION=24.22.3

FROM node:${NODE_VERSION}-slim AS build
ARG PNPM_VERSION=10.34.9
RUN npm install --global --no-audit --no-fund --loglevel=error pnpm@${PNPM_VERSION}
WORKDIR /app
# third-party packages from the lockfile alone: this layer is reused until the lockfile changes
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# patched dependencies (pnpm-workspace.yaml: patchedDependencies), applied at install
COPY patches/ patches/
RUN --mount=type=cache,id=soc-pnpm-store,target=/pnpm/store \
    pnpm fetch --prod --store-dir /pnpm/store
COPY packages/ packages/
COPY services/ingest/ services/ingest/
RUN --mount=type=cache,id=soc-pnpm-store,target=/pnpm/store \
    pnpm install --prefer-offline --frozen-lockfile --prod --store-dir /pnpm/store \
      --package-import-method=copy --filter '@soc/service-ingest...'
# keep only the workspace packages the service depends on, directly or not
RUN pnpm ls --filter '@soc/service-ingest...' --depth -1 --parseable > /tmp/closure \
 && for dir in packages/*; do grep -qx "/app/$dir" /tmp/closure || rm -rf "$dir"; done

FROM node:${NODE_VERSION}-slim AS runtime
# The sensors file (tokens as SHA-256 digests, tenants) must be mounted at
# /etc/soc/sensors/sensors.yaml: there is no default, the service stops at start without it.
# Zones and threat-intel lists are optional: the image ships an empty zone map and an empty
# intel folder; mount your own over /etc/soc/zones and /etc/soc/intel. All three are reloaded
# when they change.
ENV NODE_ENV=production \
    INGEST_HOST=0.0.0.0 \
    INGEST_SYSLOG_HOST=0.0.0.0 \
    INGEST_SENSORS_FILE=/etc/soc/sensors/sensors.yaml \
    INGEST_ZONES_FILE=/etc/soc/zones/zones.yaml \
    INGEST_INTEL_DIR=/etc/soc/intel
RUN mkdir -p /etc/soc/sensors /etc/soc/zones /etc/soc/intel \
 && printf '# no network zones: mount a zones file over this one\nzones: []\n' > /etc/soc/zones/zones.yaml
WORKDIR /app
# owned by root and read-only for the service user
COPY --from=build /app /app
# uid/gid 1000 is the image's unprivileged `node` user (numeric, so Kubernetes can check runAsNonRoot)
USER 1000:1000
# HTTP API and ops endpoints; syslog over TCP and UDP (INGEST_SYSLOG_TLS_PORT is off by default)
EXPOSE 8080 5514/tcp 5514/udp
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.INGEST_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "services/ingest/src/main.ts"]
