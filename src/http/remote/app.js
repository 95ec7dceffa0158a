// The built-in web remote: a tiny Socket.IO v5 client over one WebSocket (Engine.IO v4),
// speaking exactly what the desktop player and the web UI speak, so no library and no
// build step is needed. Protocol: ../../../../shared/spec/realtime.md (§2–§8).
"use strict";

const NSP = "/remote-control";
const SPEEDS = 9;
const $ = (id) => document.getElementById(id);

let ws = null;
let auth = null;        // {apiKey} or {} (session cookie)
let retry = 0;
let retryTimer = null;
let wanted = false;     // true while signed in: reconnect on close

function setStatus(text, online) {
  $("status").textContent = text;
  $("status").classList.toggle("online", !!online);
}

function logEvent(text, cls) {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  if (cls) li.className = cls;
  const list = $("events");
  list.prepend(li);
  while (list.children.length > 200) list.lastChild.remove();
}

function restHeaders() {
  return auth && auth.apiKey ? { Authorization: `Api-Key ${auth.apiKey}` } : {};
}

async function loadMe() {
  const res = await fetch("/api/v1/user/me", { headers: restHeaders(), credentials: "same-origin" });
  if (!res.ok) throw new Error(res.status === 401 ? "Invalid credentials." : `Server answered ${res.status}.`);
  const body = await res.json();
  const user = body.data && body.data.user;
  $("who").textContent = user ? user.name || user.email || user.uuid : "";
  const dream = user && user.currentDream;
  $("dream").textContent = dream ? dream.name || dream.uuid : "none";
  if (user && user.quota != null) $("quota").textContent = String(user.quota);
}

// --- Socket.IO over WebSocket ---------------------------------------------------------

function send(event, ...args) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(`42${NSP},${JSON.stringify([event, ...args])}`);
}

function onPacket(data) {
  if (data === "2") { ws.send("3"); return; }                 // Engine.IO ping → pong
  if (data[0] === "0") { ws.send(`40${NSP},${JSON.stringify(auth)}`); return; }  // open → CONNECT
  if (data[0] === "1") { ws.close(); return; }                // Engine.IO close
  if (!data.startsWith(`4`)) return;
  const type = data[1];
  let rest = data.slice(2);
  if (!rest.startsWith(`${NSP},`) && rest !== NSP) return;    // other namespaces: not ours
  rest = rest.slice(NSP.length + 1).replace(/^\d+/, "");      // drop an ack id if any
  if (type === "0") { retry = 0; setStatus("connected", true); logEvent("connected", "mine"); return; }
  if (type === "4") {                                         // CONNECT_ERROR: stop retrying
    let message = "connection refused";
    try { message = JSON.parse(rest).message || message; } catch (_) { /* keep default */ }
    signOut(message === "UNAUTHORIZED" ? "Invalid credentials." : message);
    return;
  }
  if (type === "1") { setStatus("disconnected"); return; }
  if (type !== "2") return;
  let packet;
  try { packet = JSON.parse(rest); } catch (_) { return; }
  if (!Array.isArray(packet) || typeof packet[0] !== "string") return;
  onEvent(packet[0], packet[1]);
}

function onEvent(name, payload) {
  switch (name) {
    case "client_presence":
      $("devices").textContent = String(payload && payload.connectedDevices);
      $("webplayer").textContent = payload && payload.hasWebPlayer ? "yes" : "no";
      return;
    case "new_remote_control_event": {
      const p = payload || {};
      if ((p.event === "playing" || p.event === "play_dream") && (p.name || p.uuid)) $("dream").textContent = p.name || p.uuid;
      const from = p.isWebClientEvent ? "web" : "device";
      logEvent(`${p.event}${p.name ? ` "${p.name}"` : ""} (${from})`);
      return;
    }
    case "quota_update":
      $("quota").textContent = String(payload && payload.quota);
      logEvent(`quota ${payload && payload.quota}`);
      return;
    case "state_sync":
      if (payload && payload.dream_uuid) $("dream").textContent = payload.dream_uuid;
      logEvent("state_sync");
      return;
    case "Error":
    case "Validation error":
      logEvent(`${name}: ${payload && payload.error}`, "warn");
      return;
    default:
      logEvent(name);
  }
}

function connect() {
  clearTimeout(retryTimer);
  const proto = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${proto}://${location.host}/socket.io/?EIO=4&transport=websocket`);
  setStatus("connecting…");
  ws.onmessage = (m) => { if (typeof m.data === "string") onPacket(m.data); };
  ws.onclose = () => {
    ws = null;
    if (!wanted) return;
    setStatus("reconnecting…");
    retry = Math.min(retry + 1, 6);
    retryTimer = setTimeout(connect, 500 * 2 ** (retry - 1) * (0.5 + Math.random() / 2));
  };
}

async function signIn(credentials) {
  $("signin-error").textContent = "";
  auth = credentials;
  try {
    await loadMe();
  } catch (e) {
    auth = null;
    $("signin-error").textContent = e.message;
    return;
  }
  if (auth.apiKey) sessionStorage.setItem("infinidream.apiKey", auth.apiKey);
  $("signin").hidden = true;
  $("remote").hidden = false;
  wanted = true;
  connect();
}

function signOut(message) {
  wanted = false;
  clearTimeout(retryTimer);
  if (ws) { try { ws.send(`41${NSP},`); } catch (_) { /* closing anyway */ } ws.close(); }
  sessionStorage.removeItem("infinidream.apiKey");
  auth = null;
  $("remote").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
}

function command(event) {
  send("new_remote_control_event", { event, isWebClientEvent: true });
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = $("apikey").value.trim();
    if (!key) { $("signin-error").textContent = "Enter an API key."; return; }
    signIn({ apiKey: key });
  });
  $("signin-session").addEventListener("click", () => signIn({}));
  $("signout").addEventListener("click", () => signOut());
  for (const b of document.querySelectorAll("button[data-event]")) {
    b.addEventListener("click", () => command(b.dataset.event));
  }
  for (let i = 1; i <= SPEEDS; i += 1) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `×${i}`;
    b.dataset.speed = String(i);
    b.addEventListener("click", () => command(`set_speed_${i}`));
    $("speeds").append(b);
  }
  const saved = sessionStorage.getItem("infinidream.apiKey");
  if (saved) signIn({ apiKey: saved });
});
