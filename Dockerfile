# syntax=docker/dockerfile:1.7
# One image build, one target per role: `docker build --target api .` (worker, dispatcher, migrate).
# Sensorium's packages are TypeScript run by tsx (no separate build output to drift from the source).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/
COPY packages/ packages/
RUN find packages -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} + \
	&& npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# git for the GIT Sensor; tini so signals reach node and zombies are reaped.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN rm -rf .ci docker && chown -R node:node /app
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS migrate
CMD ["node", "--import", "tsx", "packages/db/src/migrate-cli.ts"]

FROM runtime AS api
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
	CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "apps/api/src/main.ts"]
