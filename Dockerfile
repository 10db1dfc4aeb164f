# Ferry's image: the web app built in, run by the pinned Node (the `node` package of package.json, the
# binary `npm start` runs), as a non-root user, with a health check. Two stages, so that npm's cache,
# the dev dependencies and the build's leftovers stay out of the image.
# Never built on the machine this was written on (no container engine there): see README, "Deploying".
# test/unit/packaging.test.ts holds it to package.json: same Node version, same command as `npm start`.

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
# `npm ci` runs `prepare` (npm run build: the web app into services/web/dist), so the sources come in
# first. It also installs the pinned Node into node_modules/node (that package's install script).
COPY . .
# Nothing Ferry runs imports a dev dependency (Node strips the types; no TypeScript compiler runs).
# The compile cache `prepare` filled is root's: the running stage fills its own, as Ferry's user.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund && rm -rf node_modules/.cache \
 && test -x node_modules/.bin/node && test -f services/web/dist/index.html

FROM node:24.21.0-bookworm-slim
# A user of its own; /data is its home and Ferry's data folder (the mail spool without SMTP_URL, the
# key without FERRY_SECRET_KEY, the embedded PostgreSQL without DATABASE_URL: PostgreSQL refuses root).
RUN groupadd --gid 10001 ferry \
 && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin ferry \
 && mkdir -m 0700 /data && chown 10001:10001 /data
WORKDIR /app
# Owned by root: Ferry reads its code, the web app and node_modules, and writes only /data and /tmp.
COPY --from=build /app /app
# node_modules/.bin first, as `npm start` has it: `node` is the pinned binary, not the image's own.
# Node's compile cache in the image, filled below. glibc's mmap threshold fixed, as `npm start` has
# it (package.json).
ENV PATH=/app/node_modules/.bin:$PATH \
    NODE_COMPILE_CACHE=/app/.cache/node \
    MALLOC_MMAP_THRESHOLD_=131072 \
    HOST=0.0.0.0 \
    PORT=3000 \
    FERRY_DATA_DIR=/data
# The compile cache filled as `npm install` fills it (package.json's compile-cache), but as the user
# that runs Ferry: Node keeps a folder per user id. Then it is root's, read-only to Ferry like the
# code it holds: even the first start on a new volume needs no TypeScript stripper (README, "Deploying").
RUN mkdir -p /app/.cache/node && chown 10001:10001 /app/.cache/node \
 && setpriv --reuid=10001 --regid=10001 --clear-groups \
      node --heap-growing-percent=30 --external-memory-accounted-in-global-limit services/compile-cache.ts \
 && chown -R root:root /app/.cache/node && chmod -R a+rX /app/.cache/node \
 && test -n "$(ls /app/.cache/node/*-10001)"
# Numeric, so that Kubernetes' runAsNonRoot can tell it is not root.
USER 10001:10001
VOLUME /data
EXPOSE 3000
STOPSIGNAL SIGTERM
# An API answers /healthz on PORT; a worker has no HTTP server but FERRY_METRICS_PORT's (which serves
# /healthz too): without that port, a worker's check can only say the container is still there.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const e=process.env,p=e.FERRY_ROLE==='worker'?e.FERRY_METRICS_PORT:e.PORT||3000;if(!p)process.exit(0);fetch(`http://127.0.0.1:${p}/healthz`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# What `npm start` runs (package.json), without npm in between: the shell picks the V8 flags of the
# role and gives way to node (exec), the process that gets SIGTERM and lets running jobs finish within
# FERRY_SHUTDOWN_SECONDS (stop timeouts: longer).
CMD ["sh", "-c", "exec node --max-semi-space-size=$([ \"$FERRY_ROLE\" = api ] && echo 16 || echo 2) --heap-growing-percent=30 --external-memory-accounted-in-global-limit services/main.ts"]
