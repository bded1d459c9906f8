// Per-connection chat state, the same as servers/common/state.py.
"use strict";

const { randomBytes } = require("node:crypto");

const { verifyToken } = require("./tokens");

// Check a token (throws TokenError) and return the new connection's state; `conn` names its
// presence entries.
function authenticate(token, config) {
  const user = verifyToken(token, config.secret, { now: Date.now() / 1000 });
  return { user, rooms: new Set(), conn: randomBytes(8).toString("hex") };
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

// Block the event loop for the configured per-message delay (a known, computable cost). Like
// Python's time.sleep on the event loop it blocks without burning CPU: Atomics.wait on a value
// nobody changes is Node's blocking sleep.
function artificialDelay(config) {
  if (config.delay_ms > 0) Atomics.wait(SLEEPER, 0, 0, config.delay_ms);
}

module.exports = { authenticate, artificialDelay };
