// Server configuration, read once from BENCH_* environment variables (mirrors
// servers/common/config.py: the same names, defaults, parsing and error messages, so that the
// launcher's ServerConfig.to_env() reaches this server exactly as it reaches the Python ones).
"use strict";

const { pyRepr } = require("./protocol");

const DEFAULT_SECRET = "bench-dev-secret-not-for-production";
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

class ConfigError extends Error {}

// field name (as in config.py) -> [type, default]
const FIELDS = {
  backend: ["str", "memory"],
  channels_layer: ["str", "core"],
  redis_url: ["str", "redis://127.0.0.1:6379/0"],
  // Recorded only: node-redis multiplexes every command over one connection per client, so
  // there is no pool to size (see README.md beside this file).
  redis_pool_size: ["int", 1000],
  redis_prefix: ["str", "bench"],
  redis_socket_timeout: ["float", 30.0],
  redis_pool_wait_s: ["float", 10.0],
  rabbitmq_url: ["str", "amqp://guest:guest@127.0.0.1:5672/"],
  postgres_url: ["str", "postgresql://postgres@127.0.0.1:5432/test"],
  postgres_pool_size: ["int", 10],
  channel_capacity: ["int", 100000],
  persistence: ["bool", false],
  db_url: ["str", "sqlite:///bench-chat.sqlite3"],
  max_body_bytes: ["int", DEFAULT_MAX_BODY_BYTES],
  allowed_origins: ["tuple", ["http://localhost", "http://127.0.0.1"]],
  secret: ["str", DEFAULT_SECRET],
  ws_per_message_deflate: ["bool", false],
  delay_ms: ["float", 0.0],
  presence_ttl_s: ["float", 30.0],
  // The slow-reader policy of the Python servers (servers/common/send_queue.py); recorded
  // only: the Node reference server has no such queue (see README.md beside this file).
  send_queue_bytes: ["int", 4 * 1024 * 1024],
  send_queue_seconds: ["float", 10.0],
  // The IoT-dashboard bridge (servers/sio-node/mqtt.js): empty, no bridge.
  mqtt_url: ["str", ""],
  mqtt_qos: ["int", 0],
  metrics: ["bool", false], // GET /metrics (metrics.js), as servers/common/metrics.py
};

const TYPE_NAMES = { int: "int", float: "float", bool: "bool", tuple: "tuple[str, ...]" };

function envName(field) {
  return "BENCH_" + field.toUpperCase();
}

function parse(name, kind, raw) {
  const fail = () => {
    throw new ConfigError(`${envName(name)}=${pyRepr(raw)} is not a valid ${TYPE_NAMES[kind]}`);
  };
  if (kind === "bool") {
    const lower = raw.toLowerCase();
    if (["1", "true", "yes", "on"].includes(lower)) return true;
    if (["0", "false", "no", "off", ""].includes(lower)) return false;
    return fail();
  }
  if (kind === "int") {
    // int(): surrounding blanks, a sign and digit-group underscores
    const text = raw.trim();
    if (!/^[+-]?\d+(_\d+)*$/.test(text)) return fail();
    return Number(text.replace(/_/g, ""));
  }
  if (kind === "float") {
    const text = raw.trim().replace(/_/g, "").toLowerCase();
    const special = { inf: Infinity, "+inf": Infinity, "-inf": -Infinity, infinity: Infinity };
    if (text in special) return special[text];
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(text)) return fail();
    return Number(text);
  }
  if (kind === "tuple") {
    return raw
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part);
  }
  return raw;
}

function check(c) {
  const backends = ["memory", "redis", "rabbitmq", "postgres"];
  if (!backends.includes(c.backend)) {
    throw new ConfigError(
      `BENCH_BACKEND must be one of ${backends.join(", ")}, not ${pyRepr(c.backend)}`,
    );
  }
  if (c.backend === "rabbitmq") {
    throw new ConfigError(
      "sio-node on --backend rabbitmq is not applicable: " +
        "the Node reference has no RabbitMQ adapter in this harness",
    );
  }
  if (!["core", "pubsub"].includes(c.channels_layer)) {
    throw new ConfigError(
      `BENCH_CHANNELS_LAYER must be core or pubsub, not ${pyRepr(c.channels_layer)}`,
    );
  }
  if (c.redis_pool_size < 1 || c.channel_capacity < 1 || c.max_body_bytes < 1) {
    throw new ConfigError("pool size, channel capacity and body limit must be positive");
  }
  if (!/^(sqlite:\/\/\/|postgresql:\/\/|postgres:\/\/)/.test(c.db_url)) {
    throw new ConfigError(
      `BENCH_DB_URL must be sqlite:///PATH or postgresql://..., not ${pyRepr(c.db_url)}`,
    );
  }
}

// Everything a chat server process needs to know, identical for every contender.
function configFromEnv(env) {
  const config = {};
  for (const [name, [kind, fallback]] of Object.entries(FIELDS)) {
    const raw = env[envName(name)];
    config[name] = raw === undefined ? fallback : parse(name, kind, raw);
  }
  check(config);
  // Transport cap on one frame; larger frames close the connection on every server.
  config.frame_limit_bytes = 4 * config.max_body_bytes + 64 * 1024;
  return Object.freeze(config);
}

module.exports = { ConfigError, DEFAULT_SECRET, DEFAULT_MAX_BODY_BYTES, FIELDS, configFromEnv };
