// The official `socket.io-client` under the same load as benchmarks/clients.py: N connections;
// RATE > 0: open loop, RATE messages/s in total, round robin, at most W per connection in
// flight; RATE = 0: closed loop, W messages in flight per connection. D seconds.
// Prints one JSON line: {"count": acks + deliveries, "cpu": CPU seconds, "sys": of which kernel,
// "wall": seconds, "behind": share of the open-loop schedule not sent}.
// Usage: node node_client.js URL N W D BODY_BYTES RATE
"use strict";
const { io } = require("socket.io-client");

const [url, n, window_, duration, bodyBytes, rate] = process.argv.slice(2).map(
  (arg, i) => (i === 0 ? arg : Number(arg)));
const body = "x".repeat(bodyBytes);
let events = 0;
let sent = 0;
let acked = 0;
let due = 0;
let running = true;

function connect(i) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ["websocket"], auth: { token: `u${i}` },
      reconnection: false, forceNew: true });
    socket.on("connect", () => resolve(socket));
    socket.on("connect_error", reject);
  });
}

function onAck() {
  events += 1;
  acked += 1;
}

function startOpen(sockets) {
  const start = performance.now();
  const cap = window_ * sockets.length;
  const tick = () => {
    if (!running) return;
    due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due && sent - acked < cap) {
      const i = sent % sockets.length;
      sockets[i].emit("msg", { room: `r${i}`, id: sent, ts: 0, body }, onAck);
      sent += 1;
    }
    setTimeout(tick, 1);
  };
  tick();
}

function startClosed(sockets) {
  sockets.forEach((socket, i) => {
    const again = () => {
      onAck();
      if (running) {
        sent += 1;
        socket.emit("msg", { room: `r${i}`, id: sent, ts: 0, body }, again);
      }
    };
    for (let j = 0; j < window_; j++) socket.emit("msg", { room: `r${i}`, id: 0, ts: 0, body }, again);
  });
}

(async () => {
  const sockets = [];
  for (let i = 0; i < n; i++) sockets.push(await connect(i));
  for (const socket of sockets) socket.on("msg", () => { events += 1; });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (rate > 0) startOpen(sockets); else startClosed(sockets);
  setTimeout(() => {
    running = false;
    const cpu = process.cpuUsage(cpu0);
    const wall = (performance.now() - t0) / 1000;
    const behind = Math.max(due - sent, 0) / Math.max(due, 1);
    const total = (cpu.user + cpu.system) / 1e6;
    console.log(JSON.stringify({ count: events, cpu: total, sys: cpu.system / 1e6, wall, behind }));
    for (const socket of sockets) socket.close();
    setTimeout(() => process.exit(0), 100);
  }, duration * 1000);
})().catch((err) => { console.error(String(err)); process.exit(1); });
