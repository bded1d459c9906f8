// Who is online in each room: in-process for one instance, in Redis for several (mirrors
// servers/common/presence.py, and shares its Redis keys: one sorted set
// `{prefix}:presence:{room}` of "{conn} {user}" scored by the entry's expiry time, so a Node
// and a Python instance would agree).
//
// One entry per connection and room; a user is listed while one of its connections is in the
// room. Live servers refresh their entries every third of the TTL; what a dead process leaves
// stops being listed after at most the TTL.
"use strict";

// Python's sorted() orders by code point; user names are ASCII ([A-Za-z0-9_-]), where the
// default JS sort (UTF-16 units) gives the same order.
const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

class MemoryPresence {
  constructor() {
    this.rooms = new Map(); // room -> Map(conn -> user)
  }

  async add(room, user, conn) {
    let conns = this.rooms.get(room);
    if (!conns) this.rooms.set(room, (conns = new Map()));
    conns.set(conn, user);
  }

  async remove(room, _user, conn) {
    const conns = this.rooms.get(room);
    if (!conns) return;
    conns.delete(conn);
    if (conns.size === 0) this.rooms.delete(room);
  }

  async members(room) {
    return [...new Set(this.rooms.get(room)?.values() ?? [])].sort(byCodePoint);
  }

  async close() {
    this.rooms.clear();
  }
}

const entry = (conn, user) => `${conn} ${user}`;

// Presence shared by every instance through one Redis sorted set per room, with a TTL.
class RedisPresence {
  constructor(client, prefix, ttlSeconds) {
    this.redis = client;
    this.prefix = `${prefix}:presence:`;
    this.ttl = ttlSeconds;
    this.held = new Map(); // room -> Set of this process's entries
    this.timer = null;
  }

  async add(room, user, conn) {
    if (!this.held.has(room)) this.held.set(room, new Set());
    this.held.get(room).add(entry(conn, user));
    const key = this.prefix + room;
    const expiry = Date.now() / 1000 + this.ttl;
    await this.redis
      .multi()
      .zAdd(key, { score: expiry, value: entry(conn, user) })
      .pExpire(key, Math.round(this.ttl * 1000))
      .exec();
    if (!this.timer) {
      this.timer = setInterval(() => this.refresh().catch(warn), (this.ttl * 1000) / 3);
      this.timer.unref();
    }
  }

  async remove(room, user, conn) {
    const held = this.held.get(room);
    if (held) {
      held.delete(entry(conn, user));
      if (held.size === 0) this.held.delete(room);
    }
    await this.redis.zRem(this.prefix + room, entry(conn, user));
  }

  async members(room) {
    const live = await this.redis.zRangeByScore(this.prefix + room, Date.now() / 1000, "+inf");
    return [...new Set(live.map((e) => e.slice(e.indexOf(" ") + 1)))].sort(byCodePoint);
  }

  // Push back the expiry of every entry this process holds; drop the expired ones.
  async refresh() {
    const now = Date.now() / 1000;
    const batch = this.redis.multi();
    for (const [room, held] of this.held) {
      const key = this.prefix + room;
      batch.zRemRangeByScore(key, "-inf", now);
      batch.zAdd(key, [...held].map((value) => ({ score: now + this.ttl, value })));
      batch.pExpire(key, Math.round(this.ttl * 1000));
    }
    if (this.held.size) await batch.exec();
  }

  // Remove this process's entries (a clean shutdown leaves nothing to expire).
  async close() {
    clearInterval(this.timer);
    const batch = this.redis.multi();
    for (const [room, held] of this.held) batch.zRem(this.prefix + room, [...held]);
    if (this.held.size) await batch.exec();
    this.held.clear();
  }
}

function warn(err) {
  console.error(`presence refresh failed: ${err && err.message ? err.message : err}`);
}

const PRESENCE_SCRIPTS = {};

module.exports = { PRESENCE_SCRIPTS, MemoryPresence, RedisPresence };
