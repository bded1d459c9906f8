// socket.io's own packet parser, with one change: a packet it cannot decode (broken JSON, a
// bad attachment count) no longer closes the connection. As on the python-socketio server
// (ChatServer._handle_eio_message), the client gets an `error` event {code: bad_request,
// message: "malformed packet: ..."} and the connection stays usable.
"use strict";

const parser = require("socket.io-parser");

// The event a malformed packet becomes. A Symbol: no packet from the wire can name it.
const MALFORMED = Symbol("malformed packet");

class Decoder extends parser.Decoder {
  constructor(opts) {
    super(opts);
    this.sawConnect = false; // one Decoder per client connection
    this.on("decoded", (packet) => {
      if (packet.type === parser.PacketType.CONNECT) this.sawConnect = true;
    });
  }

  add(data) {
    if (data === undefined || data === "") return; // an empty message: ignored, as in Python
    this.jsonError = null;
    try {
      super.add(data);
    } catch (err) {
      this.destroy(); // drop a half-reconstructed binary packet, if any
      // Before the namespace CONNECT there is no socket to tell (socket.io would close the
      // connection): ignored, as python-socketio does.
      if (!this.sawConnect) return;
      this.emitReserved("decoded", {
        type: parser.PacketType.EVENT,
        nsp: "/",
        data: [MALFORMED, `malformed packet: ${this.jsonError ?? err.message}`],
      });
    }
  }

  // The parent turns a JSON error into "invalid payload"; keep JSON.parse's own message.
  tryParse(text) {
    try {
      return JSON.parse(text, this.opts.reviver);
    } catch (err) {
      this.jsonError = err.message;
      return false;
    }
  }
}

// The `parser` option of socket.io's Server.
const tolerantParser = { ...parser, Decoder };

module.exports = { MALFORMED, tolerantParser };
