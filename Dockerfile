# Orderly's image: `docker compose up --build` builds it (see docker-compose.yml), or
#   docker build -t orderly . && docker run -p 127.0.0.1:3000:3000 orderly
# which runs on the embedded broker and store. test/app/dockerCompose.test.ts checks it.

# Build: every dependency, the TypeScript compiler included, and `npm run build` into dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build

# Runtime: production dependencies and the compiled service only, run as the unprivileged `node`.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# Inside a container 127.0.0.1 is the container itself: listen on every interface.
ENV HOST=0.0.0.0
ENV PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
# `orderly` on the PATH (`docker compose exec orderly orderly dlq list`); the default
# ORDERLY_EMAIL_OUTBOX_DIR (outbox, relative to /app) writable by `node`.
RUN ln -s /app/dist/src/app/cli/main.js /usr/local/bin/orderly \
  && mkdir outbox && chown node:node outbox
USER node
EXPOSE 3000
# The slim image has no curl; Node 20 has fetch.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself as PID 1: it handles SIGTERM (drain, then exit), which `npm start` would not pass on.
CMD ["node", "dist/src/app/main.js"]
