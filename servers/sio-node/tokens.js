// Signed, expiring user tokens: `<user>.<expiry>.<signature>` (mirrors servers/common/tokens.py).
//
// The signature is HMAC-SHA256 over `<user>.<expiry>` with the shared secret, base64url without
// padding. Both implementations are checked against tests/fixtures/token_vectors.json.
"use strict";

const crypto = require("node:crypto");

// Python's `re.match(r"^...$")` also matches before one trailing newline; `\n?` keeps that.
const USER_RE = /^[A-Za-z0-9_-]{1,64}\n?$/;
const USER_PATTERN = "^[A-Za-z0-9_-]{1,64}$";
const DIGITS_RE = /^[0-9]+$/;

class TokenError extends Error {
  // The token is missing, malformed, badly signed or expired.
  constructor(message) {
    super(message);
    this.name = "TokenError";
    this.code = "unauthorized";
  }
}

function signature(payload, secret) {
  return crypto.createHmac("sha256", secret).update(payload).digest("base64url");
}

// A token for `user` valid for `ttl` seconds from `now` (unix time); Python's int() truncates.
function makeToken(user, secret, { ttl, now }) {
  if (typeof user !== "string" || !USER_RE.test(user)) {
    throw new Error(`user name must match ${USER_PATTERN}, got ${JSON.stringify(user)}`);
  }
  const payload = `${user}.${Math.trunc(now + ttl)}`;
  return `${payload}.${signature(payload, secret)}`;
}

// The user a valid token names; throws TokenError (same messages as Python) otherwise.
function verifyToken(token, secret, { now }) {
  if (typeof token !== "string" || !token) throw new TokenError("missing token");
  const parts = token.split(".");
  if (parts.length !== 3) throw new TokenError("malformed token");
  const [user, expiry, sig] = parts;
  // Python's str.isdigit() also accepts non-ASCII digits; a token with such an expiry can only
  // be signed by a holder of the secret, and make_token never produces one.
  if (!USER_RE.test(user) || !DIGITS_RE.test(expiry)) throw new TokenError("malformed token");
  const expected = Buffer.from(signature(`${user}.${expiry}`, secret));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
    throw new TokenError("bad signature");
  }
  if (Number(expiry) < now) throw new TokenError("expired token");
  return user;
}

module.exports = { TokenError, USER_RE, makeToken, verifyToken };
