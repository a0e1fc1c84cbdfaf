# syntax=docker/dockerfile:1
# correlator: events from Kafka -> detection and correlation rules in event time -> alerts.
#
# Build from the repository root (the context must hold the whole pnpm workspace layout):
#   docker build -f deploy/docker/correlator.Dockerfile -t soc-stream/correlator:local .
# The build context is filtered by deploy/docker/correlator.Dockerfile.dockerignore (BuildKit).
#
# How: see deploy/docker/ingest.Dockerfile (a filtered `pnpm install` inside the workspace
# layout, because Node does not strip types from .ts files under node_modules).

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
COPY services/correlator/ services/correlator/
RUN --mount=type=cache,id=soc-pnpm-store,target=/pnpm/store \
    pnpm install --prefer-offline --frozen-lockfile --prod --store-dir /pnpm/store \
      --package-import-method=copy --filter '@soc/service-correlator...'
# keep only the workspace packages the service depends on, directly or not
RUN pnpm ls --filter '@soc/service-correlator...' --depth -1 --parseable > /tmp/closure \
 && for dir in packages/*; do grep -qx "/app/$dir" /tmp/closure || rm -rf "$dir"; done
# the shipped rule pack; mount another folder and set CORRELATOR_RULES_DIR to replace it
# (the correlator reloads the folder when it changes)
COPY rules/ rules/

FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production \
    CORRELATOR_HOST=0.0.0.0 \
    CORRELATOR_RULES_DIR=/app/rules
WORKDIR /app
# owned by root and read-only for the service user
COPY --from=build /app /app
# uid/gid 1000 is the image's unprivileged `node` user (numeric, so Kubernetes can check runAsNonRoot)
USER 1000:1000
# ops endpoints: /healthz, /readyz, /metrics
EXPOSE 8082
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CORRELATOR_PORT||8082)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "services/correlator/src/main.ts"]
