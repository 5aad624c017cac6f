# syntax=docker/dockerfile:1
# Tessera: one image, one launcher, every role. The role is chosen at run time
# (TESSERA_ROLES or --roles); `migrate` and `create-topics` are one-shot subcommands.
#
#   docker build -t tessera .
#   docker run --rm tessera migrate
#   docker run --rm -e TESSERA_ROLES=ingest ... tessera

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: dev dependencies, swc compile, then drop the dev dependencies -----------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The manifests alone first, so the dependency layer is reused until they change.
COPY package.json package-lock.json ./
# npm install (with the lock), not npm ci: npm leaves other platforms' optional binaries out of the
# lock and npm ci then rejects it (npm/cli#4828); the locked versions are installed either way.
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: production node_modules, the compiled dist/ and package.json (read for the version)
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Root-owned application files: the process cannot rewrite its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The all-in-one defaults (DATABASE_URL=pglite:./data/db, BLOB_URL=file:./data/blobs) write under
# /app/data: the only directory the runtime user owns. Mount a volume there to keep the data.
RUN mkdir -p /app/data && chown 1000:1000 /app/data
# The base image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
# 8080: HTTP (DICOMweb, /healthz, /readyz) on every role; 11112: DIMSE on the ingest and index roles;
# 2575: HL7 v2 over MLLP on the hl7 role.
EXPOSE 8080 11112 2575
# Node runs as PID 1 and gets SIGTERM directly; no HEALTHCHECK: orchestrators probe /healthz.
ENTRYPOINT ["node", "dist/apps/tessera/src/main.js"]
