// The origin check every server applies before accepting a connection (mirrors
// servers/common/origin.py).
"use strict";

// A missing Origin (non-browser clients) passes; a present one must be listed exactly.
// "*" in the list allows every origin.
function originAllowed(origin, allowed) {
  if (origin === undefined || origin === null || origin === "") return true;
  return allowed.includes("*") || allowed.includes(origin.replace(/\/+$/, ""));
}

module.exports = { originAllowed };
