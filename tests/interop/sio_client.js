#!/usr/bin/env node
// The official socket.io-client against our python-socketio server: connect with a token, join a
// room, send one `msg` with an ack, wait for its broadcast and the ack, print one JSON line.
//
//   node sio_client.js --url URL --token T [--room R] [--body TEXT | --body-b64 B64]
//                      [--transports polling,websocket] [--timeout-ms MS]
//
// Exit status: 0 done; 3 connection refused (the connect_error is printed); 2 timeout or error;
// 4 socket.io-client is not installed (run `make install`).
"use strict";

let io;
try {
  ({ io } = require("socket.io-client"));
} catch (err) {
  console.log(JSON.stringify({ error: "socket.io-client is not installed: run `make install`" }));
  process.exit(4);
}
const { version } = require("socket.io-client/package.json");

function parseArgs(argv) {
  const args = {
    room: "interop",
    body: "hello from node",
    transports: "polling,websocket",
    "timeout-ms": "5000",
  };
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) {
      throw new Error(`bad argument ${argv[i]}`);
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  if (!args.url) throw new Error("--url is required");
  return args;
}

function isBinary(value) {
  return Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

// A delivered message as JSON: a binary body becomes body_b64.
function describeMessage(message) {
  const { body, ...rest } = message;
  if (isBinary(body)) {
    return { ...rest, body_b64: Buffer.from(body).toString("base64"), binary: true };
  }
  return { ...rest, body, binary: false };
}

function finish(code, result) {
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(code));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const timeoutMs = Number(args["timeout-ms"]);
  const result = { client: "socket.io-client", version };
  const body = args["body-b64"] !== undefined ? Buffer.from(args["body-b64"], "base64") : args.body;
  const id = `node-${process.pid}`;

  const socket = io(args.url, {
    auth: args.token === undefined ? {} : { token: args.token },
    transports: args.transports.split(","),
    reconnection: false,
    timeout: timeoutMs,
  });
  const timer = setTimeout(() => {
    socket.close();
    finish(2, { ...result, error: "timeout" });
  }, timeoutMs);

  socket.on("connect_error", (err) => {
    clearTimeout(timer);
    socket.close();
    finish(3, { ...result, connect_error: { message: err.message, data: err.data ?? null } });
  });
  await new Promise((resolve) => socket.on("connect", resolve));
  result.connected = true;

  const broadcast = new Promise((resolve) => {
    socket.on("msg", (message) => {
      if (message && message.id === id) resolve(message);
    });
  });
  result.join = await socket.timeout(timeoutMs).emitWithAck("join", { room: args.room });
  const ack = socket.timeout(timeoutMs).emitWithAck("msg", {
    room: args.room,
    id,
    ts: Date.now() / 1000,
    body,
  });
  const [delivered, ackReply] = await Promise.all([broadcast, ack]);
  result.ack = ackReply;
  result.broadcast = describeMessage(delivered);
  result.transport = socket.io.engine.transport.name;
  clearTimeout(timer);
  socket.close();
  finish(0, result);
}

main().catch((err) => finish(2, { error: String((err && err.stack) || err) }));
