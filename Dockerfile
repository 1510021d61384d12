# Meridian: multi-stage build, production dependencies only, runs as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY zones ./zones
# port 53 without root: grant the capability to node rather than running as root
RUN apt-get update && apt-get install -y --no-install-recommends libcap2-bin \
 && setcap 'cap_net_bind_service=+ep' "$(readlink -f /usr/local/bin/node)" \
 && apt-get purge -y libcap2-bin && rm -rf /var/lib/apt/lists/*
# the state directory (admin tokens, journal, the last zones seen in etcd): owned by node, so a
# volume mounted here (docker-compose.yml) starts writable for it
RUN mkdir -p /var/lib/meridian && chown node:node /var/lib/meridian
USER node
EXPOSE 53/udp 53/tcp 8053/tcp
ENTRYPOINT ["node", "dist/src/cli/meridian.js"]
CMD ["serve", "--zones", "/app/zones", "--listen", "0.0.0.0:53", "--state", "/var/lib/meridian"]
