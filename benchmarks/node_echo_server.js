// A fast echo server for benchmarks/clients.py, on one port, for both client protocols:
// - Socket.IO (the official `socket.io` package) at /socket.io/: any auth is accepted; on
//   `msg` it emits `msg` back to the sender with the same payload and acks {ok: true, id};
// - the Channels JSON protocol (docs/protocol.md) at /ws/chat/, over `ws` (the WebSocket
//   library under socket.io): on {type: "msg", ref, ...} it sends the delivery {type: "msg",
//   ..., from} and then {type: "ack", ref, ok: true, id}.
// Both write the delivery and the ack in the same tick, so both clients see the same pattern.
// Usage: node node_echo_server.js PORT
"use strict";
const http = require("http");
const { Server } = require("socket.io");
// `ws` as socket.io itself resolves it (a dependency of engine.io).
const { WebSocketServer } = require(require.resolve("ws", { paths: [require.resolve("engine.io")] }));

const port = Number(process.argv[2] || 18200);
const httpServer = http.createServer((req, res) => {
  res.writeHead(req.url === "/healthz" ? 200 : 404, { "content-type": "text/plain" });
  res.end(req.url === "/healthz" ? "ok" : "not found");
});
const io = new Server(httpServer, {
  transports: ["websocket"],
  perMessageDeflate: false,
  maxHttpBufferSize: 16 * 1024 * 1024,
  destroyUpgrade: false, // leave /ws/chat/ upgrades to the ws server below
});
io.on("connection", (socket) => {
  socket.on("msg", (data, ack) => {
    socket.emit("msg", data);
    if (typeof ack === "function") ack({ ok: true, id: data && data.id });
  });
});

const channels = new WebSocketServer({ noServer: true, perMessageDeflate: false });
httpServer.on("upgrade", (req, socket, head) => {
  if (!req.url.startsWith("/ws/chat/")) return;
  channels.handleUpgrade(req, socket, head, (ws) => {
    const user = new URL(req.url, "http://x").searchParams.get("token") || "anonymous";
    ws.on("error", (err) => console.error(`ws error: ${err.message}`));
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(data);
      const { ref, type, ...fields } = frame;
      if (type !== "msg") return;
      ws.send(JSON.stringify({ type: "msg", ...fields, from: user }));
      ws.send(JSON.stringify({ type: "ack", ref, ok: true, id: fields.id }));
    });
  });
});
httpServer.listen(port, "127.0.0.1", () => console.log(`listening on ${port}`));
process.on("SIGTERM", () => process.exit(0));
