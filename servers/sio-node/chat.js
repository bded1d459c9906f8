// The chat contract on the official Node.js Socket.IO server: one `Server` and its event
// handlers. A mirror of servers/sio/chat.py: the same events, acks, error codes and messages.
"use strict";

const { Server } = require("socket.io");

const protocol = require("./protocol");
const { ChatError, ok } = protocol;
const { originAllowed } = require("./origin");
const { MALFORMED, tolerantParser } = require("./parser");
const { MemoryPresence, RedisPresence, PRESENCE_SCRIPTS } = require("./presence");
const { instrumentAdapter, metricsFor } = require("./metrics");
const { authenticate, artificialDelay } = require("./state");
const { openStore } = require("./storage");
const { TokenError } = require("./tokens");
const { startMqttBridge } = require("./mqtt");

// Socket.IO puts each connection in a room named by its id: chat rooms get a prefix, so a room
// named like another client's id is an ordinary room (as ROOM_PREFIX in servers/sio/chat.py).
const ROOM_PREFIX = "room:";

// Events with a handler; any other event is answered `unknown_type` (python-socketio's "*").
const HANDLED = new Set(["join", "leave", "msg", "history", "presence", MALFORMED]);

function logError(what, err) {
  console.error(`${what}: ${err && err.stack ? err.stack : err}`);
}

// python-socketio's Redis manager on one shared Redis, here @socket.io/redis-adapter with
// node-redis. node-redis multiplexes commands over one connection per client, so there is no
// pool to size: BENCH_REDIS_POOL_SIZE is recorded in results but has no effect here.
// With another backplane only the presence client is made (presence stays in Redis for every
// shared backplane, as servers/common/presence.py).
async function connectRedis(config, { adapter = true } = {}) {
  const { createClient } = require("redis");
  const presence = createClient({ url: config.redis_url, scripts: PRESENCE_SCRIPTS });
  const clients = { presence };
  if (adapter) {
    clients.pub = createClient({ url: config.redis_url });
    clients.sub = clients.pub.duplicate();
  }
  for (const [name, client] of Object.entries(clients)) {
    client.on("error", (err) => logError(`Redis ${name} client`, err));
  }
  await Promise.all(Object.values(clients).map((client) => client.connect()));
  return clients;
}

function makeAdapter(config, redis) {
  const { createAdapter } = require("@socket.io/redis-adapter");
  return createAdapter(redis.pub, redis.sub, { key: `${config.redis_prefix}:socketio` });
}

// @socket.io/postgres-adapter (LISTEN/NOTIFY) over a pg.Pool of BENCH_POSTGRES_POOL_SIZE
// connections, as many as channels_postgres's psycopg pool; the adapter holds one for LISTEN.
async function connectPostgres(config) {
  const { Pool } = require("pg");
  const pool = new Pool({ connectionString: config.postgres_url, max: config.postgres_pool_size });
  pool.on("error", (err) => logError("PostgreSQL pool", err));
  try {
    await pool.query("SELECT 1");
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(
      `the postgres backend's broker does not answer at ${config.postgres_url} ` +
        `(${err.message}); start one (pg_ctlcluster ... start, or docker compose up -d ` +
        `postgres) or set --postgres-url/POSTGRES_URL`,
    );
  }
  return pool;
}

function makePostgresAdapter(config, pool) {
  const { createAdapter } = require("@socket.io/postgres-adapter");
  // errorHandler: the adapter's default only writes to `debug`, so its failures left no trace.
  return createAdapter(pool, {
    channelPrefix: config.redis_prefix,
    errorHandler: (err) => logError("postgres adapter", err),
  });
}

// The adapter LISTENs from a client it takes from the pool asynchronously, after the server
// could already accept connections: a client could join a room and miss what another instance
// NOTIFYed meanwhile (as python-socketio's RabbitMQ manager, servers/sio/rabbitmq.py). Wait until
// it listens (its PubSubClient sets `client` once LISTEN is done: an internal, checked here).
async function postgresListening(io, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  const pubsub = io.of("/").adapter.client;
  while (!(pubsub && pubsub.client)) {
    if (Date.now() > deadline) throw new Error("the postgres adapter did not LISTEN in 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// The same Engine.IO settings as python-socketio's AsyncServer (see build_server in chat.py).
function serverOptions(config, { deflate }) {
  const allowed = (origin) => originAllowed(origin, config.allowed_origins);
  return {
    serveClient: false,
    transports: ["polling", "websocket"],
    parser: tolerantParser,
    maxHttpBufferSize: config.frame_limit_bytes, // the transport cap: larger frames close (1009)
    pingInterval: 25000, // python-engineio's defaults, stated
    pingTimeout: 20000,
    // uvicorn's websockets compresses every message when deflate is on: no size threshold.
    perMessageDeflate: deflate ? { threshold: 0 } : false,
    cors: { origin: (origin, callback) => callback(null, allowed(origin)), credentials: true },
  };
}

// An Origin not allowed is refused with HTTP 400 before Engine.IO looks at the request, on every
// request (handshake, polling, upgrade) as python-engineio does. (socket.io's `allowRequest`
// would answer 403 to a polling handshake and check the handshake only.)
function originCheck(config) {
  return (req, _res, next) => {
    const { origin } = req.headers;
    if (originAllowed(origin, config.allowed_origins)) return next();
    next(new Error(`${origin} is not an accepted origin.`));
  };
}

// Create the Socket.IO server with every handler of the chat contract; attach it to `httpServer`.
async function buildServer(config, httpServer, { deflate = false } = {}) {
  const store = config.persistence ? await openStore(config.db_url) : null;
  const postgres = config.backend === "postgres" ? await connectPostgres(config) : null;
  const redis =
    config.backend === "memory"
      ? null
      : await connectRedis(config, { adapter: config.backend === "redis" });
  const presence = redis
    ? new RedisPresence(redis.presence, config.redis_prefix, config.presence_ttl_s)
    : new MemoryPresence();
  const io = new Server(httpServer, serverOptions(config, { deflate }));
  io.engine.use(originCheck(config));
  if (redis && redis.pub) io.adapter(makeAdapter(config, redis));
  if (postgres) {
    io.adapter(makePostgresAdapter(config, postgres));
    await postgresListening(io);
  }
  const pending = new Set(); // disconnect clean-ups still writing presence
  const metrics = metricsFor(config);
  instrumentAdapter(io.of("/").adapter, metrics);

  // Run one request handler; the reply goes to the ack when the client asked for one, else a
  // failure becomes an `error` event (python-socketio: _ACK_REQUESTED and fail()).
  async function answer(socket, event, args, handler) {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    const started = performance.now();
    let reply;
    try {
      reply = await handler(socket.data.member, args[0], socket);
    } catch (err) {
      if (!(err instanceof ChatError)) {
        // python-socketio logs a handler's exception and sends no ack; so does this server.
        logError(`exception in the ${String(event)} handler`, err);
        return;
      }
      if (!ack) socket.emit("error", { code: err.code, message: err.message });
      reply = err.payload();
    }
    if (event === MALFORMED) metrics.refused(reply.error.code);
    else metrics.handled(event, started, reply.error ? reply.error.code : null);
    if (ack) ack(reply);
  }

  const handlers = {
    async join(member, data, socket) {
      const req = protocol.parseRoom(data);
      if (!member.rooms.has(req.room)) {
        socket.join(ROOM_PREFIX + req.room);
        member.rooms.add(req.room);
        await presence.add(req.room, member.user, member.conn);
      }
      return ok({ room: req.room });
    },

    async leave(member, data, socket) {
      const req = protocol.parseRoom(data);
      protocol.requireMember(member.rooms, req.room);
      socket.leave(ROOM_PREFIX + req.room);
      member.rooms.delete(req.room);
      await presence.remove(req.room, member.user, member.conn);
      return ok({ room: req.room });
    },

    async msg(member, data) {
      const req = protocol.parseMsg(data, config.max_body_bytes);
      protocol.requireMember(member.rooms, req.room);
      artificialDelay(config);
      if (store) await store.append(req.room, req.id, member.user, req.ts, req.body);
      io.to(ROOM_PREFIX + req.room).emit("msg", protocol.delivery(member.user, req)); // Buffers: attachments
      return ok({ id: req.id });
    },

    async history(member, data) {
      const req = protocol.parseHistory(data);
      protocol.requireMember(member.rooms, req.room);
      const messages = store ? await store.history(req.room, req.limit) : [];
      return ok({ room: req.room, messages });
    },

    async presence(member, data) {
      const req = protocol.parseRoom(data);
      protocol.requireMember(member.rooms, req.room);
      return ok({ room: req.room, users: await presence.members(req.room) });
    },

    // A packet the parser could not decode (see parser.js): the error event, never an ack.
    async [MALFORMED](_member, message) {
      throw new ChatError(protocol.BAD_REQUEST, message);
    },
  };

  function unknown(event) {
    return async () => {
      throw new ChatError(protocol.UNKNOWN_TYPE, `unknown event ${protocol.pyRepr(event)}`);
    };
  }

  // connect: a bad token is refused with CONNECT_ERROR {message, data: {code, message}}.
  io.use((socket, next) => {
    const auth = socket.handshake.auth;
    const token = auth !== null && typeof auth === "object" ? auth.token : undefined;
    try {
      socket.data.member = authenticate(token, config);
      next();
    } catch (err) {
      if (!(err instanceof TokenError)) return next(err);
      const refused = new Error(protocol.UNAUTHORIZED);
      refused.data = { code: protocol.UNAUTHORIZED, message: err.message };
      next(refused);
    }
  });

  io.on("connection", (socket) => {
    metrics.connected();
    if (metrics.enabled) {
      socket.onAnyOutgoing((event) => {
        if (event === "msg") metrics.delivered();
      });
    }
    for (const event of HANDLED) {
      socket.on(event, (...args) => answer(socket, event, args, handlers[event]));
    }
    socket.onAny((event, ...args) => {
      if (!HANDLED.has(event)) answer(socket, event, args, unknown(event));
    });
    // A client's own `error` event is answered unknown_type above, as in Python; without a
    // listener Node's EventEmitter would throw it. Errors of the connection itself are logged.
    socket.on("error", (err) => {
      if (err instanceof Error) logError("socket error", err);
    });
    socket.on("disconnect", () => {
      metrics.disconnected();
      const { member } = socket.data;
      const done = (async () => {
        for (const room of member.rooms) await presence.remove(room, member.user, member.conn);
      })()
        .catch((err) => logError("presence clean-up on disconnect", err))
        .finally(() => pending.delete(done));
      pending.add(done);
    });
  });

  const bridge = await startMqttBridge(io, config, ROOM_PREFIX); // IoT dashboards (mqtt.js)

  async function close() {
    if (bridge) await bridge.close();
    // io.close() runs every disconnect handler at once, then waits for the clients to close
    // their connections: a client that does not answer must not hold the shutdown up.
    const closing = io.close();
    await Promise.allSettled([...pending]);
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    await presence.close().catch((err) => logError("presence clean-up on close", err));
    if (redis) await Promise.allSettled(Object.values(redis).map((client) => client.quit()));
    if (postgres) await postgres.end().catch(() => {});
    if (store) await store.close();
  }

  return { io, close };
}

module.exports = { buildServer, serverOptions };
