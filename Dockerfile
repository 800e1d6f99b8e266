# syntax=docker/dockerfile:1.7
# One file, one target per role:  docker build --target api|worker|dispatcher|exporter|migrate .
# Each image holds one self-contained bundle (npm run build) and no node_modules: production code only.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY apps ./apps
COPY packages ./packages
COPY scripts ./scripts
COPY tsconfig.json turbo.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npm run build

FROM node:20-bookworm-slim AS runtime
# tini forwards SIGTERM to node and reaps children (git, ssh).
RUN apt-get update \
	&& apt-get install -y --no-install-recommends tini ca-certificates \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
	SENSORIUM_MIGRATIONS_DIR=/app/drizzle
COPY --from=build /src/packages/db/drizzle ./drizzle
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS migrate
COPY --from=build /src/dist/migrate.mjs /src/dist/migrate.mjs.map ./
CMD ["node", "--enable-source-maps", "migrate.mjs"]

FROM runtime AS api
COPY --from=build /src/dist/api.mjs /src/dist/api.mjs.map ./
# The queue dashboard's UI files (HTML template and static assets), served at /admin/queues,
# and the web console, served at /console.
COPY --from=build /src/node_modules/@bull-board/ui ./bull-board-ui
COPY --from=build /src/dist/console ./console
ENV PORT=8080 HOST=0.0.0.0 QUEUE_DASHBOARD_UI_PATH=/app/bull-board-ui CONSOLE_DIST_DIR=/app/console
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
	CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "api.mjs"]

FROM runtime AS dispatcher
COPY --from=build /src/dist/dispatcher.mjs /src/dist/dispatcher.mjs.map ./
ENV DISPATCHER_HEALTH_PORT=8082
EXPOSE 8082
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
	CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.DISPATCHER_HEALTH_PORT||8082)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dispatcher.mjs"]

FROM runtime AS exporter
COPY --from=build /src/dist/exporter.mjs /src/dist/exporter.mjs.map ./
ENV EXPORTER_HEALTH_PORT=8083
EXPOSE 8083
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
	CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.EXPORTER_HEALTH_PORT||8083)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "exporter.mjs"]

FROM runtime AS worker
USER root
# The GIT Sensor runs the system git (https and ssh remotes).
RUN apt-get update \
	&& apt-get install -y --no-install-recommends git openssh-client \
	&& rm -rf /var/lib/apt/lists/*
USER node
COPY --from=build /src/dist/worker.mjs /src/dist/worker.mjs.map ./
# Discovery threads (WORKER_THREADS) run this bundle, loaded from next to worker.mjs.
COPY --from=build /src/dist/discovery-thread.mjs /src/dist/discovery-thread.mjs.map ./
ENV WORKER_HEALTH_PORT=8081
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
	CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_HEALTH_PORT||8081)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "worker.mjs"]
