// protocol.js, origin.js and config.js where JavaScript differs from Python underneath: string
// lengths, integers, repr() quoting, and the launcher's BENCH_* variables.
"use strict";

const assert = require("node:assert/strict");
const { test } = require("node:test");

const protocol = require("../protocol");
const { originAllowed } = require("../origin");
const { configFromEnv } = require("../config");

const code = (fn) => {
  try {
    fn();
  } catch (err) {
    return [err.code, err.message];
  }
  return null;
};

test("room and id lengths count code points, as Python's len()", () => {
  const emoji = "\u{1F600}";
  assert.deepEqual(protocol.parseRoom({ room: emoji.repeat(128) }), { room: emoji.repeat(128) });
  assert.deepEqual(code(() => protocol.parseRoom({ room: emoji.repeat(129) })), [
    "bad_request",
    "field 'room' is longer than 128 characters",
  ]);
  const msg = { room: "r", id: "x".repeat(129), ts: 1, body: "b" };
  assert.deepEqual(code(() => protocol.parseMsg(msg, 10)), [
    "bad_request",
    "field 'id' is longer than 128 characters",
  ]);
});

test("body size is counted in UTF-8 bytes, binary bodies in bytes", () => {
  const req = protocol.parseMsg({ room: "r", id: 1, ts: 1, body: "\u00e9".repeat(2) }, 4);
  assert.equal(req.body, "\u00e9\u00e9");
  const big = { room: "r", id: 1, ts: 1, body: "\u00e9\u00e9\u00e9" };
  assert.deepEqual(code(() => protocol.parseMsg(big, 4)), [
    "too_large",
    "body of 6 bytes is over the limit of 4",
  ]);
  const bin = protocol.parseMsg({ room: "r", id: 1, ts: 1, body: new Uint8Array([1, 2, 3]) }, 3);
  assert.ok(Buffer.isBuffer(bin.body) && bin.body.length === 3);
});

test("ids: strings and safe integers; booleans, floats and rounded integers refused", () => {
  const base = { room: "r", ts: 1.5, body: "x" };
  assert.equal(protocol.parseMsg({ ...base, id: "a" }, 10).id, "a");
  assert.equal(protocol.parseMsg({ ...base, id: 7 }, 10).id, 7);
  for (const id of [true, 1.5, [1], null, undefined]) {
    assert.equal(code(() => protocol.parseMsg({ ...base, id }, 10))[0], "bad_request", String(id));
  }
  assert.equal(code(() => protocol.parseMsg({ ...base, id: 2 ** 53 }, 10))[0], "bad_request");
  assert.deepEqual(code(() => protocol.parseMsg({ ...base, id: 1, ts: true }, 10)), [
    "bad_request",
    "field 'ts' must be a number",
  ]);
});

test("history limit defaults to 50; present but null is refused, as dict.get", () => {
  assert.deepEqual(protocol.parseHistory({ room: "r" }), { room: "r", limit: 50 });
  for (const limit of [null, 0, 1001, true, "5", 2.5]) {
    assert.equal(code(() => protocol.parseHistory({ room: "r", limit }))[0], "bad_request");
  }
});

test("requests must be objects; inherited properties are not fields", () => {
  for (const data of [null, undefined, "r", ["r"], Buffer.from("r"), 5]) {
    assert.deepEqual(code(() => protocol.parseRoom(data)), [
      "bad_request",
      "request must be an object",
    ]);
  }
  assert.equal(code(() => protocol.parseRoom(Object.create({ room: "r" })))[0], "bad_request");
});

test("messages quote values as Python's repr()", () => {
  assert.equal(protocol.pyRepr("launch"), "'launch'");
  assert.equal(protocol.pyRepr("it's"), '"it\'s"');
  assert.equal(protocol.pyRepr(5), "5");
  assert.deepEqual(code(() => protocol.requireMember(new Set(), "r")), [
    "not_member",
    "not a member of room 'r'",
  ]);
});

test("history entries carry binary bodies as base64", () => {
  const binary = protocol.historyEntry("r", 3, "a", 2, Buffer.from([0, 255]));
  assert.deepEqual(binary, { room: "r", id: 3, from: "a", ts: 2, body_b64: "AP8=" });
  const text = protocol.historyEntry("r", "x", "a", 2, "t");
  assert.deepEqual(text, { room: "r", id: "x", from: "a", ts: 2, body: "t" });
});

test("origin check: missing passes, present must be listed (trailing slash ignored) or '*'", () => {
  const allowed = ["http://a.example"];
  assert.ok(originAllowed(undefined, allowed) && originAllowed("", allowed));
  assert.ok(originAllowed("http://a.example/", allowed));
  assert.ok(!originAllowed("http://b.example", allowed));
  assert.ok(originAllowed("http://b.example", ["*"]));
});

test("config reads the BENCH_* variables with Python's defaults and messages", () => {
  const config = configFromEnv({});
  assert.equal(config.backend, "memory");
  assert.equal(config.frame_limit_bytes, 4 * 65536 + 65536);
  const custom = configFromEnv({
    BENCH_MAX_BODY_BYTES: "1_000",
    BENCH_PERSISTENCE: "yes",
    BENCH_ALLOWED_ORIGINS: " http://x , ,http://y",
    BENCH_DELAY_MS: "2.5",
  });
  assert.equal(custom.max_body_bytes, 1000);
  assert.equal(custom.persistence, true);
  assert.deepEqual(custom.allowed_origins, ["http://x", "http://y"]);
  assert.equal(custom.delay_ms, 2.5);
  assert.throws(() => configFromEnv({ BENCH_BACKEND: "bogus" }), {
    message: "BENCH_BACKEND must be one of memory, redis, rabbitmq, postgres, not 'bogus'",
  });
  assert.throws(() => configFromEnv({ BENCH_MAX_BODY_BYTES: "1.5" }), {
    message: "BENCH_MAX_BODY_BYTES='1.5' is not a valid int",
  });
  assert.throws(() => configFromEnv({ BENCH_DB_URL: "mysql://x" }), /BENCH_DB_URL must be/);
});
