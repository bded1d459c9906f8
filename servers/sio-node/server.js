#!/usr/bin/env node
// `node servers/sio-node/server.js --host H --port P`: the chat contract on the official Node.js
// Socket.IO server, the reference contender `sio-node`. Settings come from the same BENCH_*
// variables as the Python servers (config.js); GET /healthz answers the launcher's probe.
"use strict";

const http = require("node:http");
const { once } = require("node:events");
const { parseArgs } = require("node:util");

const { ConfigError, configFromEnv } = require("./config");
const { serveMetrics } = require("./metrics");

const HEALTH_PATH = "/healthz";

function cli(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string", default: env.BENCH_HOST ?? "127.0.0.1" },
      port: { type: "string", default: env.BENCH_PORT ?? "8000" },
      backlog: { type: "string", default: "4096" }, // uvicorn's --backlog in the launcher
      deflate: { type: "boolean", default: false }, // per-message deflate (bench --deflate)
    },
  });
  return {
    host: values.host,
    port: Number(values.port),
    backlog: Number(values.backlog),
    deflate: values.deflate,
  };
}

// The readiness probe, as servers/common/health.py: 200 "ok" at /healthz, 404 elsewhere.
// GET /metrics (metrics.js) when BENCH_METRICS is on.
function health(req, res) {
  if (serveMetrics(req, res)) return;
  const found = req.url.split("?", 1)[0] === HEALTH_PATH;
  const body = found ? "ok" : "not found";
  res.writeHead(found ? 200 : 404, {
    "content-type": "text/plain",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

async function main() {
  const args = cli(process.argv.slice(2), process.env);
  let config;
  try {
    config = configFromEnv(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`error: ${err.message}`);
    return 1;
  }
  const { buildServer } = require("./chat");
  const httpServer = http.createServer(health);
  const chat = await buildServer(config, httpServer, {
    deflate: args.deflate || config.ws_per_message_deflate,
  });
  httpServer.listen({ host: args.host, port: args.port, backlog: args.backlog });
  await once(httpServer, "listening");
  const { port } = httpServer.address();
  const version = require("socket.io/package.json").version;
  console.log(
    `sio-node on http://${args.host}:${port} (socket.io ${version}, Node ${process.version}, ` +
      `backend ${config.backend})`,
  );
  if (config.backend === "redis") {
    // Said in the log, which results keep: the pool size setting has nothing to size here.
    console.log(
      `redis: node-redis, one multiplexed connection each for publish, subscribe and ` +
        `presence; BENCH_REDIS_POOL_SIZE=${config.redis_pool_size} has no pool to size`,
    );
  }
  if (config.backend === "postgres") {
    console.log(
      `postgres: @socket.io/postgres-adapter on a pg.Pool of ` +
        `${config.postgres_pool_size} connections (one held by its LISTEN)`,
    );
  }
  const stop = async () => {
    setTimeout(() => process.exit(0), 3000).unref(); // never outlive the launcher's grace
    await chat.close();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return null;
}

main().then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
  },
);
