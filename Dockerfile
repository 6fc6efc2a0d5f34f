# syntax=docker/dockerfile:1
# alertworks image: `docker build -t alertworks .`, then `docker run alertworks serve|work|all`.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: compile TypeScript to dist/ with the full dependency set -------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY actions ./actions
COPY checks ./checks
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled code and production dependencies only, as the unprivileged `node` user -
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    ALERTWORKS_CONFIG=/app/config/alertworks.yaml \
    ALERTWORKS_SPOOL_DIR=/var/lib/alertworks/spool \
    PORT=8080
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root config/alertworks.yaml ./config/alertworks.yaml
# bin/alertworks.js runs dist/src/cli.js; code stays root-owned and read-only for the app user.
RUN chmod 0755 bin/alertworks.js && ln -s /app/bin/alertworks.js /usr/local/bin/alertworks
# Grafana deliveries taken while Redis is away wait here (server.spool): mount a volume on it, so
# that they outlive the container. Owned by the app user, which a new named volume inherits.
RUN mkdir -p /var/lib/alertworks/spool && chown node:node /var/lib/alertworks/spool
USER node
EXPOSE 8080
# Slim images have no curl: node's own fetch asks /healthz (serve, all and work roles listen).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["alertworks"]
CMD ["all"]
