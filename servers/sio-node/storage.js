// Message persistence: the schema and SQL of servers/common/storage.py, with the drivers most
// Node users pick: better-sqlite3 (SQLite, the default) and pg (PostgreSQL, by URL).
//
// Cost model, as on the Python servers: one INSERT and one commit per stored message (SQLite in
// autocommit, one statement = one transaction; PostgreSQL in autocommit too), and one indexed
// SELECT per `history`. The Python servers run these on one database thread; here
// better-sqlite3 runs them synchronously on the event loop (its documented use), and pg sends
// them over one connection, queued in order, as the one Python thread does.
"use strict";

const { historyEntry } = require("./protocol");

// Identical to SCHEMA_SQLITE / SCHEMA_POSTGRES in storage.py.
const SCHEMA_SQLITE = `
CREATE TABLE IF NOT EXISTS chat_message (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    room VARCHAR(128) NOT NULL,
    msg_id VARCHAR(160) NOT NULL,
    sender VARCHAR(64) NOT NULL,
    ts DOUBLE PRECISION NOT NULL,
    body_text TEXT,
    body_bin BLOB
);
CREATE INDEX IF NOT EXISTS chat_message_room_seq ON chat_message (room, seq);
`;

const SCHEMA_POSTGRES = `
CREATE TABLE IF NOT EXISTS chat_message (
    seq BIGSERIAL PRIMARY KEY,
    room VARCHAR(128) NOT NULL,
    msg_id VARCHAR(160) NOT NULL,
    sender VARCHAR(64) NOT NULL,
    ts DOUBLE PRECISION NOT NULL,
    body_text TEXT,
    body_bin BYTEA
);
CREATE INDEX IF NOT EXISTS chat_message_room_seq ON chat_message (room, seq);
`;

const INSERT =
  "INSERT INTO chat_message (room, msg_id, sender, ts, body_text, body_bin) " +
  "VALUES ({p}, {p}, {p}, {p}, {p}, {p})";
const HISTORY =
  "SELECT room, msg_id, sender, ts, body_text, body_bin FROM chat_message " +
  "WHERE room = {p} ORDER BY seq DESC LIMIT {p}";
const UNIQUE_VIOLATION = "23505";

function isPostgres(dbUrl) {
  return dbUrl.startsWith("postgresql://") || dbUrl.startsWith("postgres://");
}

function sqlitePath(dbUrl) {
  return dbUrl.startsWith("sqlite:///") ? dbUrl.slice("sqlite:///".length) : dbUrl;
}

// The message id is stored as JSON text, so that "3" and 3 come back as they were sent.
function row(room, id, sender, ts, body) {
  const binary = Buffer.isBuffer(body);
  return [room, JSON.stringify(id), sender, ts, binary ? null : body, binary ? body : null];
}

function entries(rows) {
  return rows
    .reverse()
    .map((r) =>
      historyEntry(r.room, JSON.parse(r.msg_id), r.sender, r.ts, r.body_bin ?? r.body_text),
    );
}

class SqliteStore {
  constructor(dbUrl) {
    const Database = require("better-sqlite3");
    this.db = new Database(sqlitePath(dbUrl), { timeout: 10000 }); // sqlite3.connect(timeout=10)
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA_SQLITE);
    this.insert = this.db.prepare(INSERT.replaceAll("{p}", "?"));
    this.select = this.db.prepare(HISTORY.replaceAll("{p}", "?"));
  }

  async append(room, id, sender, ts, body) {
    this.insert.run(row(room, id, sender, ts, body));
  }

  // The last `limit` messages of `room`, oldest first.
  async history(room, limit) {
    return entries(this.select.all(room, limit));
  }

  async close() {
    this.db.close();
  }
}

class PostgresStore {
  constructor(dbUrl) {
    const { Client } = require("pg");
    this.client = new Client({ connectionString: dbUrl });
    this.client.on("error", (err) => console.error(`PostgreSQL connection error: ${err.message}`));
    const n = { i: 0 };
    this.insertSql = INSERT.replaceAll("{p}", () => `$${++n.i}`);
    n.i = 0;
    this.historySql = HISTORY.replaceAll("{p}", () => `$${++n.i}`);
  }

  async open() {
    await this.client.connect();
    try {
      for (const statement of SCHEMA_POSTGRES.split(";").slice(0, 2)) {
        await this.client.query(statement);
      }
    } catch (err) {
      // another instance created it at the same time
      if (err.code !== UNIQUE_VIOLATION) throw err;
    }
    return this;
  }

  async append(room, id, sender, ts, body) {
    await this.client.query(this.insertSql, row(room, id, sender, ts, body));
  }

  async history(room, limit) {
    const result = await this.client.query(this.historySql, [room, limit]);
    return entries(result.rows);
  }

  async close() {
    await this.client.end();
  }
}

// Open the store of `dbUrl` and make sure the schema exists.
async function openStore(dbUrl) {
  if (isPostgres(dbUrl)) return new PostgresStore(dbUrl).open();
  return new SqliteStore(dbUrl);
}

module.exports = { SCHEMA_SQLITE, SCHEMA_POSTGRES, isPostgres, openStore };
