# Ferry's image: the web app built in, the pinned Node (the `node` package of package.json, the same
# binary `npm start` runs), a non-root user, a health check. Built in two stages so that compilers and
# the build's own files stay out of the image.
# Not built on the machine this was written on (no container engine there): see README, "Deploying".

FROM node:24-bookworm-slim AS build
WORKDIR /app
# `npm ci` runs `prepare`, which builds the web app, so the sources come in first.
COPY . .
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# Node itself comes with node_modules (the `node` package): the runtime needs nothing else.
FROM debian:bookworm-slim
# Ferry writes its data folder (mail spool, the embedded PostgreSQL when DATABASE_URL is unset).
RUN groupadd --gid 10001 ferry && useradd --uid 10001 --gid ferry --home-dir /data --create-home ferry
WORKDIR /app
COPY --from=build --chown=root:root /app /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    FERRY_DATA_DIR=/data \
    PATH=/app/node_modules/.bin:$PATH
USER ferry
VOLUME /data
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# What `npm start` runs (package.json), without npm in between: signals reach Ferry itself.
CMD ["node", "--max-semi-space-size=2", "--external-memory-accounted-in-global-limit", "services/main.ts"]
