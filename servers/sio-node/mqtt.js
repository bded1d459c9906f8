// The IoT-dashboard bridge of the Node reference server: an mqtt.js subscriber in the server
// process that emits each device's telemetry to the room of its device group (as
// servers/sio/mqtt_bridge.py does with aiomqtt; the wire format is servers/common/telemetry.py).
"use strict";

const mqtt = require("mqtt");

const protocol = require("./protocol");

const TOPIC_FILTER = "devices/+/telemetry";
// A shared subscription: with several instances each message is bridged once, and the
// adapter (Redis) fans it out, as on the Python servers.
const SHARED_TOPIC_FILTER = "$share/bench-dashboards/" + TOPIC_FILTER;

function deviceOf(topic) {
  const parts = topic.split("/");
  if (parts.length !== 3 || parts[0] !== "devices" || parts[2] !== "telemetry" || !parts[1]) {
    throw new protocol.ChatError(protocol.BAD_REQUEST, `not a telemetry topic: '${topic}'`);
  }
  return parts[1];
}

function telemetryDelivery(topic, payload, maxBodyBytes) {
  const device = deviceOf(topic);
  let data;
  try {
    data = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new protocol.ChatError(protocol.BAD_REQUEST, "telemetry payload is not JSON");
  }
  return protocol.delivery(`device-${device}`, protocol.parseMsg(data, maxBodyBytes));
}

// Resolves once subscribed (the server listens only then); null when BENCH_MQTT_URL is empty.
async function startMqttBridge(io, config, roomPrefix) {
  if (!config.mqtt_url) return null;
  const client = await mqtt.connectAsync(config.mqtt_url, {
    clientId: `bench-sio-node-${process.pid}`,
    protocolVersion: 5,
    reconnectPeriod: 1000,
  });
  client.on("error", (err) => console.error(`MQTT bridge: ${err.message} (${config.mqtt_url})`));
  client.on("message", (topic, payload) => {
    let out;
    try {
      out = telemetryDelivery(topic, payload, config.max_body_bytes);
    } catch (err) {
      if (!(err instanceof protocol.ChatError)) throw err;
      console.error(`MQTT bridge: dropped a message on ${topic}: ${err.message}`);
      return;
    }
    io.to(roomPrefix + out.room).emit("msg", out);
  });
  await client.subscribeAsync(SHARED_TOPIC_FILTER, { qos: config.mqtt_qos });
  return { close: () => client.endAsync() };
}

module.exports = { SHARED_TOPIC_FILTER, startMqttBridge, telemetryDelivery };
