// Who is online in each room: in-process for one instance, in Redis for several (mirrors
// servers/common/presence.py, and shares its Redis keys: one hash `{prefix}:presence:{room}`
// counting connections per user, so a Node and a Python instance would agree).
//
// A user may hold several connections; presence counts connections per user and lists a user
// while at least one of them is in the room.
"use strict";

const { defineScript } = require("redis");

// Decrement and drop the field at zero, atomically (two instances may race on one room).
// The same script as _LEAVE_SCRIPT in presence.py.
const LEAVE_SCRIPT = `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return n
`;

const leave = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: LEAVE_SCRIPT,
  transformArguments: (key, user) => [key, user],
  transformReply: (reply) => reply,
});

// Python's sorted() orders by code point; user names are ASCII ([A-Za-z0-9_-]), where the
// default JS sort (UTF-16 units) gives the same order.
const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

class MemoryPresence {
  constructor() {
    this.rooms = new Map();
  }

  async add(room, user) {
    let counts = this.rooms.get(room);
    if (!counts) this.rooms.set(room, (counts = new Map()));
    counts.set(user, (counts.get(user) ?? 0) + 1);
  }

  async remove(room, user) {
    const counts = this.rooms.get(room);
    if (!counts) return;
    const n = (counts.get(user) ?? 0) - 1;
    if (n <= 0) counts.delete(user);
    else counts.set(user, n);
    if (counts.size === 0) this.rooms.delete(room);
  }

  async members(room) {
    return [...(this.rooms.get(room)?.keys() ?? [])].sort(byCodePoint);
  }

  async close() {
    this.rooms.clear();
  }
}

// Presence shared by every instance through one Redis hash per room.
class RedisPresence {
  constructor(client, prefix) {
    this.redis = client; // a node-redis client created with `scripts: PRESENCE_SCRIPTS`
    this.prefix = `${prefix}:presence:`;
  }

  async add(room, user) {
    await this.redis.hIncrBy(this.prefix + room, user, 1);
  }

  async remove(room, user) {
    await this.redis.presenceLeave(this.prefix + room, user);
  }

  async members(room) {
    const counts = await this.redis.hGetAll(this.prefix + room);
    return Object.entries(counts)
      .filter(([, n]) => Number(n) > 0)
      .map(([user]) => user)
      .sort(byCodePoint);
  }

  async close() {
    await this.redis.quit();
  }
}

const PRESENCE_SCRIPTS = { presenceLeave: leave };

module.exports = { LEAVE_SCRIPT, PRESENCE_SCRIPTS, MemoryPresence, RedisPresence };
