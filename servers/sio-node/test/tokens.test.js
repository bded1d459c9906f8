// tokens.js against the shared vectors generated from servers/common/tokens.py.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { test } = require("node:test");

const { TokenError, makeToken, verifyToken } = require("../tokens");

const VECTORS = path.resolve(__dirname, "../../../tests/fixtures/token_vectors.json");
const vectors = JSON.parse(fs.readFileSync(VECTORS, "utf8"));

test("makeToken matches every vector", () => {
  assert.ok(vectors.make.length > 0);
  for (const c of vectors.make) {
    const token = makeToken(c.user, c.secret, { ttl: c.ttl, now: c.now });
    assert.equal(token, c.token, `make ${c.user} ttl=${c.ttl} now=${c.now}`);
    assert.equal(verifyToken(token, c.secret, { now: c.now }), c.user);
  }
});

test("makeToken refuses the user names Python refuses", () => {
  for (const user of vectors.make_invalid_users) {
    assert.throws(() => makeToken(user, "s", { ttl: 1, now: 0 }), /user name must match/);
  }
});

for (const c of vectors.verify) {
  test(`verifyToken: ${c.name}`, () => {
    if ("user" in c) {
      assert.equal(verifyToken(c.token, c.secret, { now: c.now }), c.user);
      return;
    }
    assert.throws(
      () => verifyToken(c.token, c.secret, { now: c.now }),
      (err) => err instanceof TokenError && err.message === c.error && err.code === "unauthorized",
    );
  });
}
