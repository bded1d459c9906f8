// The chat contract's messages: validation of requests and the shape of replies.
//
// A line-by-line mirror of servers/common/protocol.py: the same input yields the same error
// code and message. JSON has one number type here, so `1.0` arrives as the integer 1 (Python
// sees a float): an id or limit written as a whole float is accepted here, refused there; and an
// integer id beyond 2**53 - 1 cannot be kept exactly, so it is refused here, accepted there.
"use strict";

const BAD_REQUEST = "bad_request";
const TOO_LARGE = "too_large";
const NOT_MEMBER = "not_member";
const UNAUTHORIZED = "unauthorized";
const UNKNOWN_TYPE = "unknown_type";
const FORBIDDEN_ORIGIN = "forbidden_origin";

const MAX_ROOM_LEN = 128;
const MAX_ID_LEN = 128;
const MAX_HISTORY = 1000;
const DEFAULT_HISTORY = 50;

// A request the server refuses; carries the contract's error code.
class ChatError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ChatError";
    this.code = code;
  }

  payload() {
    return { error: { code: this.code, message: this.message } };
  }
}

// Python's repr() of a str or int, for messages that quote a value.
function pyRepr(value) {
  if (typeof value !== "string") return String(value);
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

// Python's len() counts code points; a JS string's length counts UTF-16 units (never fewer),
// so code points are counted only when the units are over the limit.
function longerThan(text, limit) {
  return text.length > limit && [...text].length > limit;
}

function isBinary(value) {
  return Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function asBuffer(value) {
  if (Buffer.isBuffer(value)) return value;
  if (ArrayBuffer.isView(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return Buffer.from(value);
}

function isMapping(data) {
  return data !== null && typeof data === "object" && !Array.isArray(data) && !isBinary(data);
}

// dict.get(): own properties only.
function field(data, name) {
  return Object.hasOwn(data, name) ? data[name] : undefined;
}

function mapping(data) {
  if (!isMapping(data)) throw new ChatError(BAD_REQUEST, "request must be an object");
  return data;
}

function roomOf(data) {
  const room = field(data, "room");
  if (typeof room !== "string" || !room) {
    throw new ChatError(BAD_REQUEST, "field 'room' must be a non-empty string");
  }
  if (longerThan(room, MAX_ROOM_LEN)) {
    throw new ChatError(BAD_REQUEST, `field 'room' is longer than ${MAX_ROOM_LEN} characters`);
  }
  return room;
}

function parseRoom(data) {
  return { room: roomOf(mapping(data)) };
}

function parseMsg(data, maxBodyBytes) {
  const fields = mapping(data);
  const room = roomOf(fields);
  const id = field(fields, "id");
  if (!(typeof id === "string" || Number.isInteger(id))) {
    throw new ChatError(BAD_REQUEST, "field 'id' must be a string or an integer");
  }
  if (typeof id === "number" && !Number.isSafeInteger(id)) {
    // JSON.parse has already rounded it (Python keeps every digit): refused, never corrupted.
    throw new ChatError(BAD_REQUEST, "field 'id' is an integer too large to keep exactly");
  }
  if (typeof id === "string" && longerThan(id, MAX_ID_LEN)) {
    throw new ChatError(BAD_REQUEST, `field 'id' is longer than ${MAX_ID_LEN} characters`);
  }
  const ts = field(fields, "ts");
  if (typeof ts !== "number") throw new ChatError(BAD_REQUEST, "field 'ts' must be a number");
  let body = field(fields, "body");
  let size;
  if (typeof body === "string") {
    size = Buffer.byteLength(body, "utf8");
  } else if (isBinary(body)) {
    body = asBuffer(body);
    size = body.length;
  } else {
    throw new ChatError(BAD_REQUEST, "field 'body' must be a string or binary");
  }
  if (size > maxBodyBytes) {
    throw new ChatError(TOO_LARGE, `body of ${size} bytes is over the limit of ${maxBodyBytes}`);
  }
  return { room, id, ts, body };
}

function parseHistory(data) {
  const fields = mapping(data);
  const room = roomOf(fields);
  const limit = Object.hasOwn(fields, "limit") ? fields.limit : DEFAULT_HISTORY;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY) {
    throw new ChatError(BAD_REQUEST, `field 'limit' must be an integer from 1 to ${MAX_HISTORY}`);
  }
  return { room, limit };
}

function requireMember(rooms, room) {
  if (!rooms.has(room)) throw new ChatError(NOT_MEMBER, `not a member of room ${pyRepr(room)}`);
}

// What every member of the room receives for one message.
function delivery(user, req) {
  return { room: req.room, id: req.id, ts: req.ts, from: user, body: req.body };
}

function ok(fields) {
  return { ok: true, ...fields };
}

// One stored message as `history` returns it; binary bodies travel as base64.
function historyEntry(room, id, sender, ts, body) {
  const entry = { room, id, from: sender, ts };
  if (Buffer.isBuffer(body)) entry.body_b64 = body.toString("base64");
  else entry.body = body;
  return entry;
}

module.exports = {
  BAD_REQUEST,
  TOO_LARGE,
  NOT_MEMBER,
  UNAUTHORIZED,
  UNKNOWN_TYPE,
  FORBIDDEN_ORIGIN,
  MAX_ROOM_LEN,
  MAX_ID_LEN,
  MAX_HISTORY,
  DEFAULT_HISTORY,
  ChatError,
  pyRepr,
  isBinary,
  parseRoom,
  parseMsg,
  parseHistory,
  requireMember,
  delivery,
  ok,
  historyEntry,
};
