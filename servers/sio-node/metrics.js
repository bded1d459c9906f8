// Prometheus metrics of the Node reference server: a mirror of servers/common/metrics.py, the
// same names, labels and buckets, counted in plain numbers and rendered when GET /metrics is
// scraped. Off unless BENCH_METRICS (config.metrics); then every call is a no-op.
"use strict";

const METRICS_PATH = "/metrics";
const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
const PREFIX = "chat_";
const BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];
const REQUEST_TYPES = ["join", "leave", "msg", "history", "presence", "unknown", "invalid"];

function bucketIndex(seconds) {
  // bisect_left: the first bound >= seconds (Prometheus buckets are "less or equal")
  let i = 0;
  while (i < BUCKETS_S.length && BUCKETS_S[i] < seconds) i++;
  return i;
}

function escapeLabel(text) {
  return String(text).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

class Metrics {
  constructor(contender, backplane) {
    this.enabled = true;
    this.contender = contender;
    this.backplane = backplane;
    this.connectionsOpen = 0;
    this.connectionsOpened = 0;
    this.received = Object.fromEntries(REQUEST_TYPES.map((t) => [t, 0]));
    this.sent = 0;
    this.acks = 0;
    this.errors = new Map();
    const buckets = () => new Array(BUCKETS_S.length + 1).fill(0);
    this.latency = Object.fromEntries(REQUEST_TYPES.map((t) => [t, buckets()]));
    this.latencySum = Object.fromEntries(REQUEST_TYPES.map((t) => [t, 0]));
    this.published = 0;
    this.taken = 0;
  }

  connected() {
    this.connectionsOpen += 1;
    this.connectionsOpened += 1;
  }

  disconnected() {
    this.connectionsOpen -= 1;
  }

  // A request of `kind` answered (`error`: its code, else ok), begun at `started` (now()).
  handled(kind, started, error) {
    const elapsed = (performance.now() - started) / 1000;
    if (!(kind in this.received)) kind = "unknown";
    this.received[kind] += 1;
    if (error === null) this.acks += 1;
    else this.errors.set(error, (this.errors.get(error) || 0) + 1);
    this.latency[kind][bucketIndex(elapsed)] += 1;
    this.latencySum[kind] += elapsed;
  }

  refused(code) {
    this.received.invalid += 1;
    this.errors.set(code, (this.errors.get(code) || 0) + 1);
  }

  delivered(recipients = 1) {
    this.sent += recipients;
  }

  backplanePublished() {
    if (this.backplane) this.published += 1;
  }

  backplaneReceived() {
    if (this.backplane) this.taken += 1;
  }

  render() {
    const label = `contender="${this.contender}"`;
    const out = [];
    const family = (name, kind, text) => {
      out.push(`# HELP ${PREFIX}${name} ${text}`);
      out.push(`# TYPE ${PREFIX}${name} ${kind}`);
    };
    const sample = (name, value, extra = "") => {
      out.push(`${PREFIX}${name}{${label}${extra}} ${value}`);
    };
    family("connections_open", "gauge", "Connections open now.");
    sample("connections_open", this.connectionsOpen);
    family("connections_opened_total", "counter", "Connections accepted.");
    sample("connections_opened_total", this.connectionsOpened);
    family("messages_received_total", "counter", "Client requests, by type.");
    for (const kind of REQUEST_TYPES) {
      sample("messages_received_total", this.received[kind], `,type="${kind}"`);
    }
    family("messages_sent_total", "counter", "Room messages delivered, one per recipient.");
    sample("messages_sent_total", this.sent);
    family("acks_total", "counter", "Requests answered ok.");
    sample("acks_total", this.acks);
    family("errors_total", "counter", "Requests answered an error, by code.");
    for (const code of [...this.errors.keys()].sort()) {
      sample("errors_total", this.errors.get(code), `,code="${escapeLabel(code)}"`);
    }
    family("handler_seconds", "histogram", "Time in a request's handler, by type.");
    for (const kind of REQUEST_TYPES) {
      let running = 0;
      const bounds = [...BUCKETS_S.map(String), "+Inf"];
      bounds.forEach((bound, i) => {
        running += this.latency[kind][i];
        sample("handler_seconds_bucket", running, `,type="${kind}",le="${bound}"`);
      });
      sample("handler_seconds_sum", this.latencySum[kind], `,type="${kind}"`);
      sample("handler_seconds_count", running, `,type="${kind}"`);
    }
    family("backplane_published_total", "counter", "Messages handed to the backplane.");
    sample("backplane_published_total", this.published);
    family("backplane_received_total", "counter", "Messages taken from the backplane.");
    sample("backplane_received_total", this.taken);
    return out.join("\n") + "\n";
  }

  // Answer GET /metrics; false for any other request.
  serve(req, res) {
    if (req.url.split("?", 1)[0] !== METRICS_PATH) return false;
    const body = this.render();
    const headers = { "content-type": CONTENT_TYPE, "content-length": Buffer.byteLength(body) };
    res.writeHead(200, headers);
    res.end(body);
    return true;
  }
}

class DisabledMetrics extends Metrics {
  constructor() {
    super("", false);
    this.enabled = false;
  }
  connected() {}
  disconnected() {}
  handled() {}
  refused() {}
  delivered() {}
  backplanePublished() {}
  backplaneReceived() {}
  serve() {
    return false;
  }
}

let current = new DisabledMetrics();

// This process's metrics (the chat handlers and GET /metrics share them).
function metricsFor(config) {
  if (config.metrics && !current.enabled) {
    current = new Metrics("sio-node", config.backend !== "memory");
  }
  return current;
}

// GET /metrics when metrics are on; false otherwise (the caller answers the request).
function serveMetrics(req, res) {
  return current.serve(req, res);
}

// Count what crosses the backplane: a broadcast not marked local is published; every message
// the adapter takes from its subscription is received (its own included, as python-socketio's).
function instrumentAdapter(adapter, metrics) {
  if (!metrics.enabled || !metrics.backplane) return;
  const broadcast = adapter.broadcast.bind(adapter);
  adapter.broadcast = (packet, opts) => {
    if (!(opts.flags && opts.flags.local)) metrics.backplanePublished();
    return broadcast(packet, opts);
  };
  if (typeof adapter.onmessage === "function") {
    const onmessage = adapter.onmessage.bind(adapter);
    adapter.onmessage = (...args) => {
      metrics.backplaneReceived();
      return onmessage(...args);
    };
  }
}

module.exports = { BUCKETS_S, METRICS_PATH, Metrics, instrumentAdapter, metricsFor, serveMetrics };
