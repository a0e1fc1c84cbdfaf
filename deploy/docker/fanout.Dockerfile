# syntax=docker/dockerfile:1
# fanout: alerts from Kafka -> WebSocket clients (/v1/stream) and the live console page (/).
#
# Build from the repository root (the context must hold the whole pnpm workspace layout):
#   docker build -f deploy/docker/fanout.Dockerfile -t soc-stream/fanout:local .
# The build context is filtered by deploy/docker/fanout.Dockerfile.dockerignore (BuildKit).
#
# How: see deploy/docker/ingest.Dockerfile (a filtered `pnpm install` inside the workspace
# layout, because Node does not strip types from .ts files under node_modules).
# services/fanout/public (the console page) comes along with the service folder.

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
COPY services/fanout/ services/fanout/
RUN --mount=type=cache,id=soc-pnpm-store,target=/pnpm/store \
    pnpm install --prefer-offline --frozen-lockfile --prod --store-dir /pnpm/store \
      --package-import-method=copy --filter '@soc/service-fanout...'
# keep only the workspace packages the service depends on, directly or not
RUN pnpm ls --filter '@soc/service-fanout...' --depth -1 --parseable > /tmp/closure \
 && for dir in packages/*; do grep -qx "/app/$dir" /tmp/closure || rm -rf "$dir"; done

FROM node:${NODE_VERSION}-slim AS runtime
# Every instance reads every alert: its consumer groups are FANOUT_GROUP_ID (default
# soc-fanout-<hostname>) plus a random suffix. The analysts file (bearer tokens as SHA-256
# digests, tenant scopes, roles) must be mounted at /etc/soc/analysts/analysts.yaml.
ENV NODE_ENV=production \
    FANOUT_HOST=0.0.0.0 \
    FANOUT_ANALYSTS_FILE=/etc/soc/analysts/analysts.yaml
WORKDIR /app
# owned by root and read-only for the service user
COPY --from=build /app /app
# uid/gid 1000 is the image's unprivileged `node` user (numeric, so Kubernetes can check runAsNonRoot)
USER 1000:1000
# console page, WebSocket /v1/stream and the ops endpoints
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FANOUT_PORT||8081)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "services/fanout/src/main.ts"]
