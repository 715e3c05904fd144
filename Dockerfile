# Multi-stage build: compile TypeScript, then a slim runtime with production dependencies only.
# Node 24 (the current LTS); the code itself runs on Node ≥ 20.19 elsewhere
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/pglite-template.mjs scripts/console-build.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# the admin console (/console): its own package, type-checked against the API's OpenAPI document
COPY console ./console
COPY docs/openapi.json ./docs/
RUN node scripts/console-build.mjs --force

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
# a CJK font for the monthly digest's chart (without one the digest goes as text alone)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# npm's prepare builds the embedded database's template (a first start skips initdb); its console
# step finds no console sources here and passes: the console comes built from the build stage
COPY scripts/pglite-template.mjs scripts/console-build.mjs ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# every role (api, worker, wechat, all) answers /healthz on PORT
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# LINLI_ROLE=all|api|worker|wechat picks what this container runs
CMD ["node", "dist/main.js"]
