// Compatibility scenarios driving the server with the real JS `socket.io-client` 4.8.x.
//
//   node tests/compat/scenarios.mjs <scenario> '<json config>'
//
// Config (built by tests/api/realtime_compat.rs): url, apiKey (user A), otherApiKey (user B),
// dream1/dream2 {uuid,name}, unnamedDream {uuid}, processingDream {uuid,status},
// otherHiddenDream {uuid}, otherVisibleDream {uuid,name,status}, playlist {uuid,name},
// otherHiddenPlaylist {uuid}, interactiveQuota, expectedQuota (optional).
//
// Prints every check; exits 0 on success, 1 with a message on the first failure. Every wait
// is bounded; fixed delays are used only for "nothing arrives within N ms" assertions and to
// let the 300 ms early-next window pass.
import { io, Manager } from 'socket.io-client';
import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';

const NSP = '/remote-control';
const WAIT = 8000; // bound of every positive wait (ms)
const QUIET = 400; // "nothing arrives" window (ms)
const EARLY_NEXT_WINDOW = 300;
const REMOTE_CONTROLS = [
  'playing', 'play_dream', 'play_playlist', 'like', 'dislike', 'like_current_dream',
  'dislike_current_dream', 'previous', 'next', 'repeat', 'shuffle', 'playback_slower',
  'playback_faster', 'forward', 'backward', 'brighter', 'darker', 'credit', 'web', 'help',
  'status', 'set_speed_1', 'set_speed_2', 'set_speed_3', 'set_speed_4', 'set_speed_5',
  'set_speed_6', 'set_speed_7', 'set_speed_8', 'set_speed_9', 'pause', 'capture', 'report',
  'reset_playlist',
];
const EVENT_ONE_OF = `"event" must be one of [${REMOTE_CONTROLS.join(', ')}]`;
const RCE = 'new_remote_control_event';
const VE = 'Validation error';

const [scenarioName, cfgText] = process.argv.slice(2);
const cfg = JSON.parse(cfgText ?? '{}');
const t0 = Date.now();

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

class Failure extends Error {}
const J = (v) => JSON.stringify(v);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function log(...args) {
  console.log(`[${String(Date.now() - t0).padStart(5)} ms]`, ...args);
}
function fail(msg) {
  throw new Failure(msg);
}
function check(cond, msg) {
  if (!cond) fail(`check failed: ${msg}`);
  log('ok:', msg);
}
function assertEq(actual, expected, msg) {
  if (!isDeepStrictEqual(actual, expected)) {
    fail(`${msg}\n    expected: ${J(expected)}\n    actual:   ${J(actual)}`);
  }
  log('ok:', msg);
}

const clients = [];

/** A socket.io-client socket that records every event (and the raw packet it came in). */
class Client {
  constructor(label, opts = {}) {
    this.label = label;
    this.events = [];
    this.listeners = new Set();
    this.connectedAt = null;
    const {
      apiKey = cfg.apiKey,
      auth,
      nsp = NSP,
      transports = ['websocket'],
      extraHeaders,
      upgrade,
      socket,
    } = opts;
    const options = {
      forceNew: true,
      reconnection: false,
      timeout: 5000,
    };
    if (transports !== 'default') options.transports = transports;
    if (auth !== undefined) options.auth = auth;
    else if (apiKey) options.auth = { apiKey };
    if (extraHeaders) options.extraHeaders = extraHeaders;
    if (upgrade !== undefined) options.upgrade = upgrade;
    // `socket`: a socket made by the caller (e.g. several namespaces on one Manager).
    this.socket = socket ?? io(cfg.url + nsp, options);
    // socket.io-client dispatches decoded packets on a later tick, so the raw text of each
    // EVENT packet is queued here and paired with the event when it is dispatched.
    this.rawEvents = [];
    const prefix = nsp === '/' ? '2' : `2${nsp},`;
    this.socket.io.engine.on('packet', (p) => {
      if (p.type === 'message' && typeof p.data === 'string' && p.data.startsWith(prefix)) this.rawEvents.push(p.data);
    });
    this.upgraded = new Promise((resolve) => this.socket.io.engine.once('upgrade', (t) => resolve(t.name)));
    this.socket.onAny((event, ...args) => this.push(event, args, this.rawEvents.shift()));
    this.socket.on('connect', () => {
      this.connectedAt = Date.now();
      this.push('connect', []);
    });
    this.socket.on('connect_error', (err) => this.push('connect_error', [err]));
    this.socket.on('disconnect', (reason) => this.push('disconnect', [reason]));
    clients.push(this);
  }

  push(event, args, raw = null) {
    this.events.push({ event, args, raw, t: Date.now(), used: false });
    for (const l of [...this.listeners]) l();
  }

  changed(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(done);
    });
  }

  summary() {
    return this.events
      .filter((e) => !e.used)
      .map((e) => `${e.event}${J(e.args.map((a) => (a instanceof Error ? { message: a.message } : a)))}`)
      .join(', ') || '(nothing)';
  }

  /** The next unconsumed event called `name`, waited for at most `timeout` ms. */
  async next(name, timeout = WAIT) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const e = this.events.find((x) => !x.used && x.event === name);
      if (e) {
        e.used = true;
        return e;
      }
      const left = deadline - Date.now();
      if (left <= 0) fail(`${this.label}: no '${name}' within ${timeout} ms; unconsumed: ${this.summary()}`);
      await this.changed(left);
    }
  }

  /** Waits for the next `name` event and checks its arguments. */
  async expect(name, args, what) {
    const e = await this.next(name);
    assertEq(e.args, args, `${this.label} received ${name} ${what ?? J(args)}`);
    return e;
  }

  async expectPresence(connectedDevices, hasWebPlayer) {
    return this.expect('client_presence', [{ connectedDevices, hasWebPlayer }]);
  }

  /** Checks that no unconsumed event (of `names`, or any) is there after `ms` ms. */
  async expectNone(names, ms = QUIET) {
    await sleep(ms);
    this.checkNone(names, `within ${ms} ms`);
  }

  checkNone(names, when = 'so far') {
    const list = names ? [].concat(names) : null;
    const extra = this.events.filter((e) => !e.used && (!list || list.includes(e.event)));
    if (extra.length) fail(`${this.label}: unexpected ${extra.map((e) => `${e.event}${J(e.args)}`).join(', ')} ${when}`);
    log(`ok: ${this.label} received no ${list ? list.join('/') : 'event'} ${when}`);
  }

  /** Marks every unconsumed event called `name` as consumed. */
  drain(name) {
    for (const e of this.events) if (!e.used && e.event === name) e.used = true;
  }

  /** The next unconsumed `connect` or `connect_error`. */
  async connectOutcome() {
    const deadline = Date.now() + WAIT;
    for (;;) {
      const e = this.events.find((x) => !x.used && (x.event === 'connect_error' || x.event === 'connect'));
      if (e) {
        e.used = true;
        return e;
      }
      const left = deadline - Date.now();
      if (left <= 0) fail(`${this.label}: neither connect nor connect_error within ${WAIT} ms`);
      await this.changed(left);
    }
  }

  async connected() {
    const e = await this.connectOutcome();
    if (e.event === 'connect_error') fail(`${this.label}: connect_error ${e.args[0].message} ${J(e.args[0].data)}`);
    check(/^[A-Za-z0-9_-]{20}$/.test(this.socket.id), `${this.label} connected with a 20-character socket id (${this.socket.id})`);
    return this;
  }

  async connectError() {
    const e = await this.connectOutcome();
    if (e.event === 'connect') fail(`${this.label}: connected although it should have been refused`);
    return e.args[0];
  }

  /** Waits until this socket's early-next window (300 ms after the CONNECT ack) is over. */
  async afterEarlyNextWindow() {
    const left = this.connectedAt + EARLY_NEXT_WINDOW + 50 - Date.now();
    if (left > 0) await sleep(left);
  }

  emit(event, ...args) {
    this.socket.emit(event, ...args);
  }

  /** Emits with an ack request; resolves with ALL the ack arguments. */
  ack(event, ...args) {
    return new Promise((resolve, reject) => {
      this.socket.timeout(WAIT).emit(event, ...args, (err, ...resp) => {
        if (err) reject(new Failure(`${this.label}: no ack for ${event} ${J(args)} within ${WAIT} ms`));
        else resolve(resp);
      });
    });
  }

  transport() {
    return this.socket.io.engine.transport.name;
  }

  close() {
    this.socket.disconnect();
  }
}

const client = (label, opts) => new Client(label, opts);

/** Connects sockets one after the other, checking the presence counts grow. */
async function connectDevices(labels, opts = {}) {
  const out = [];
  for (const label of labels) {
    const c = await client(label, opts).connected();
    out.push(c);
    for (const d of out) await d.expectPresence(out.length, false);
  }
  return out;
}

/** Emits `payload` from `from` and checks that each of `to` receives `expected`. */
async function relay(from, payload, to, expected = payload) {
  from.emit(RCE, payload);
  for (const c of to) await c.expect(RCE, [expected], `${J(expected)} (from ${from.label})`);
}

/** The next 07:00:00.000Z (today's if still ahead), ISO. */
function nextQuotaReset(now = new Date()) {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 7, 0, 0, 0));
  if (d.getTime() <= now.getTime()) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

function rawOf(e) {
  check(typeof e.raw === 'string', `raw packet of ${e.event} recorded`);
  return e.raw;
}

// ---------------------------------------------------------------------------------------
// scenarios
// ---------------------------------------------------------------------------------------

const scenarios = {};

// §4 CONNECT payload {apiKey}, websocket only (web UI); presence 1 then 2; web player flag.
scenarios.connect_auth_payload = async () => {
  const a = await client('A').connected();
  check(a.transport() === 'websocket', 'A uses the websocket transport');
  await a.expectPresence(1, false);
  const b = await client('B').connected();
  check(a.socket.id !== b.socket.id, 'socket ids differ');
  await b.expectPresence(2, false);
  await a.expectPresence(2, false);

  assertEq(await a.ack('web_client_status', { active: true }), [{ connectedDevices: 2, hasWebPlayer: true }],
    'web_client_status {active:true} ack is the presence');
  await a.expectPresence(2, true);
  await b.expectPresence(2, true);
  assertEq(await a.ack('web_client_status', { active: false }), [{ connectedDevices: 2, hasWebPlayer: false }],
    'web_client_status {active:false} ack');
  await a.expectPresence(2, false);
  await b.expectPresence(2, false);
  // Missing payload means inactive.
  assertEq(await b.ack('web_client_status'), [{ connectedDevices: 2, hasWebPlayer: false }],
    'web_client_status without payload = inactive');
  await a.expectPresence(2, false);
  await b.expectPresence(2, false);
  await a.expectNone(['client_presence', 'connect_error', 'disconnect']);
  b.checkNone(['client_presence', 'disconnect']);
};

// §4 handshake header Authorization: Api-Key …, over websocket, polling and polling+upgrade.
scenarios.connect_header = async () => {
  const headers = { Authorization: `Api-Key ${cfg.apiKey}` };
  const a = await client('A-header-websocket', { apiKey: null, extraHeaders: headers }).connected();
  await a.expectPresence(1, false);
  const b = await client('B-header-polling', { apiKey: null, extraHeaders: headers, transports: ['polling'] }).connected();
  check(b.transport() === 'polling', 'B stays on polling');
  await b.expectPresence(2, false);
  await a.expectPresence(2, false);
  const c = await client('C-header-default', { apiKey: null, extraHeaders: headers, transports: 'default' }).connected();
  await c.expectPresence(3, false);
  await a.expectPresence(3, false);
  await b.expectPresence(3, false);
  const upgradedTo = await Promise.race([c.upgraded, sleep(WAIT).then(() => null)]);
  check(upgradedTo === 'websocket', 'C (header credentials) upgraded to websocket');
  await a.afterEarlyNextWindow();
  await relay(c, { event: 'pause', isWebClientEvent: true }, [c, a, b]);
  await relay(b, { event: 'forward', isWebClientEvent: true }, [b, a, c]);
  for (const x of [a, b, c]) x.checkNone([RCE, VE, 'Error', 'disconnect']);
};

// §4 session tokens: cookie (desktop, websocket only), Bearer header, {token} payloads.
scenarios.session_token = async () => {
  const t = cfg.sessionToken;
  const desktop = { 'Edream-Client-Type': 'native macOS', 'Edream-Client-Version': '0.8.1' };
  const devices = [];
  const accepted = async (label, opts) => {
    const c = await client(label, { apiKey: null, ...opts }).connected();
    devices.push(c);
    for (const d of devices) await d.expectPresence(devices.length, false);
  };
  await accepted('cookie-desktop', { extraHeaders: { ...desktop, Cookie: `wos-session=${t}` } });
  await accepted('cookie-among-others', { extraHeaders: { Cookie: `theme=dark; wos-session=${t}; other=x=y` } });
  await accepted('bearer-polling', { transports: ['polling'], extraHeaders: { Authorization: `Bearer ${t}` } });
  await accepted('token-payload', { auth: { token: t } });
  await accepted('token-payload-bearer', { auth: { token: `Bearer ${t}` } });
  const refused = async (label, opts) => {
    const c = client(label, { apiKey: null, ...opts });
    const err = await c.connectError();
    check(err.message === 'UNAUTHORIZED', `${label}: refused with UNAUTHORIZED (got ${J(err.message)})`);
    c.close();
  };
  await refused('revoked-cookie', { extraHeaders: { Cookie: `wos-session=${cfg.revokedSessionToken}` } });
  await refused('revoked-token-payload', { auth: { token: cfg.revokedSessionToken } });
  await refused('tampered-cookie', { extraHeaders: { Cookie: `wos-session=${t.slice(0, -2)}${t.endsWith('xx') ? 'yy' : 'xx'}` } });
  await refused('lowercase-bearer', { extraHeaders: { Authorization: `bearer ${t}` } });
  await devices[0].afterEarlyNextWindow();
  await relay(devices[0], { event: 'pause' }, devices);
  for (const d of devices) await d.expectNone(['client_presence', RCE], 100);
};

// §3.2 / §3.5: namespaces multiplexed on one Engine.IO session (one Manager); a client
// DISCONNECT of one namespace keeps the session, and the namespace can be joined again.
scenarios.multiplex = async () => {
  const obs = await client('A-observer').connected();
  await obs.expectPresence(1, false);
  const m = new Manager(cfg.url, { transports: ['websocket'], reconnection: false, timeout: 5000 });
  const auth = { apiKey: cfg.apiKey };
  const rc = client('A-rc-multiplexed', { socket: m.socket(NSP, { auth }) });
  const root = client('A-root-multiplexed', { nsp: '/', socket: m.socket('/', { auth }) });
  await rc.connected();
  await root.connected();
  const engineId = m.engine.id;
  check(typeof engineId === 'string' && rc.socket.io === root.socket.io, 'both namespaces share one Engine.IO session');
  await rc.expectPresence(2, false);
  await obs.expectPresence(2, false);
  await rc.afterEarlyNextWindow();
  await relay(rc, { event: 'pause' }, [rc, obs]);

  // DISCONNECT of /remote-control (41): presence drops, the session stays open.
  rc.close();
  await rc.expect('disconnect', ['io client disconnect']);
  await obs.expectPresence(1, false);
  await sleep(200);
  check(m.engine.readyState === 'open' && m.engine.id === engineId, 'the Engine.IO session stays open after a namespace DISCONNECT');
  check(root.socket.connected, 'the root namespace socket is still connected');

  // Joining /remote-control again on the same session works.
  rc.socket.connect();
  await rc.connected();
  check(m.engine.id === engineId, 're-CONNECT used the same Engine.IO session');
  await rc.expectPresence(2, false);
  await obs.expectPresence(2, false);
  await rc.afterEarlyNextWindow();
  await relay(obs, { event: 'forward', isWebClientEvent: true }, [obs, rc]);

  // DISCONNECT of the root namespace does not affect /remote-control.
  root.close();
  await relay(rc, { event: 'backward', isWebClientEvent: true }, [rc, obs]);
  await obs.expectNone(['client_presence', RCE, VE, 'Error']);
  rc.checkNone(['client_presence', RCE, VE, 'Error', 'disconnect']);
  root.checkNone([RCE, 'client_presence']);
};

// §2.5–§2.6 default transports: polling first, then upgrade to websocket.
scenarios.connect_polling_upgrade = async () => {
  const a = client('A-default', { transports: 'default' });
  const firstTransport = a.transport();
  check(firstTransport === 'polling', `A starts on polling (got ${firstTransport})`);
  await a.connected();
  await a.expectPresence(1, false);
  const upgradedTo = await Promise.race([a.upgraded, sleep(WAIT).then(() => null)]);
  check(upgradedTo === 'websocket', 'A upgraded to websocket');
  check(a.transport() === 'websocket', 'the engine ends on websocket');
  await a.afterEarlyNextWindow();
  const p = { event: 'pause', isWebClientEvent: true };
  assertEq(await a.ack(RCE, p), [p], 'ack after the upgrade');
  await a.expect(RCE, [p], 'echo after the upgrade');

  const b = await client('B-polling-only', { transports: ['polling'] }).connected();
  await b.expectPresence(2, false);
  await a.expectPresence(2, false);
  await b.afterEarlyNextWindow();
  check(b.transport() === 'polling', 'B stays on polling');
  await relay(b, { event: 'forward', isWebClientEvent: true }, [b, a]);
  await relay(a, { event: 'backward', isWebClientEvent: true }, [a, b]);
  // A burst over polling arrives complete and in order.
  const burst = ['set_speed_1', 'set_speed_2', 'set_speed_3', 'set_speed_4', 'set_speed_5'];
  for (const ev of burst) b.emit(RCE, { event: ev, isWebClientEvent: true });
  for (const ev of burst) {
    await b.expect(RCE, [{ event: ev, isWebClientEvent: true }]);
    await a.expect(RCE, [{ event: ev, isWebClientEvent: true }]);
  }
  await a.expectNone([RCE, VE, 'Error', 'disconnect']);
  b.checkNone([RCE, VE, 'Error', 'disconnect']);
};

// §7.1 echo to sender + relay to the user's other devices; §5 isolation between users.
scenarios.relay_echo = async () => {
  const [a, b] = await connectDevices(['A1', 'A2']);
  const o = await client('B-other-user', { apiKey: cfg.otherApiKey }).connected();
  await o.expectPresence(1, false);
  await a.expectNone('client_presence', 200);
  b.checkNone('client_presence');
  await o.afterEarlyNextWindow();

  await relay(a, { event: 'next', isWebClientEvent: true }, [a, b]);
  await relay(b, { event: 'previous', isWebClientEvent: true }, [b, a]);
  await relay(o, { event: 'pause', isWebClientEvent: true }, [o]);
  await a.expectNone();
  b.checkNone();
  o.checkNone();
};

// §7.1.3 / §7.1.5: all 34 control values (the Rust test checks the database afterwards).
scenarios.all_controls = async () => {
  const [a, b] = await connectDevices(['A-web', 'A-desktop']);
  const o = await client('B-other-user', { apiKey: cfg.otherApiKey }).connected();
  await o.expectPresence(1, false);
  await a.afterEarlyNextWindow();
  const seen = new Set();
  const send = async (payload, expected) => {
    seen.add(payload.event);
    await relay(a, payload, [a, b], expected);
  };

  // Relay-only values are echoed verbatim (a client `name` is kept).
  const relayOnly = [
    'previous', 'next', 'repeat', 'shuffle', 'playback_slower', 'playback_faster', 'forward',
    'backward', 'brighter', 'darker', 'credit', 'web', 'help', 'set_speed_1', 'set_speed_2',
    'set_speed_3', 'set_speed_4', 'set_speed_5', 'set_speed_6', 'set_speed_7', 'set_speed_8',
    'set_speed_9', 'pause', 'capture',
  ];
  for (const ev of relayOnly) await send({ event: ev, isWebClientEvent: true });
  await send({ event: 'previous', name: 'client name', key: 'k1', isWebClientEvent: true });
  await send({ event: 'status', currentTime: 12.5, duration: 240, fps: 29.97, paused: false });

  // Lookups: echo with the dream's name.
  const d1 = cfg.dream1;
  const d2 = cfg.dream2;
  await send({ event: 'playing', uuid: d1.uuid, isWebClientEvent: true }, { event: 'playing', uuid: d1.uuid, isWebClientEvent: true, name: d1.name });
  await send({ event: 'play_dream', uuid: d2.uuid, name: 'client-side name', frameNumber: 12 },
    { event: 'play_dream', uuid: d2.uuid, name: d2.name, frameNumber: 12 });
  await send({ event: 'like', uuid: d2.uuid }, { event: 'like', uuid: d2.uuid, name: d2.name });
  await send({ event: 'like', uuid: d2.uuid }, { event: 'like', uuid: d2.uuid, name: d2.name });
  const un = cfg.unnamedDream.uuid;
  await send({ event: 'dislike', uuid: un }, { event: 'dislike', uuid: un, name: null });
  // *_current_dream use the current dream (dream1, set by `playing` above).
  await send({ event: 'like_current_dream', isWebClientEvent: true }, { event: 'like_current_dream', isWebClientEvent: true, name: d1.name });
  await send({ event: 'dislike_current_dream', isWebClientEvent: true }, { event: 'dislike_current_dream', isWebClientEvent: true, name: d1.name });
  await send({ event: 'report', uuid: d2.uuid }, { event: 'report', uuid: d2.uuid, name: d2.name });
  await send({ event: 'reset_playlist' });

  // play_playlist: quota_update (sender, then others) before the echo.
  const before = nextQuotaReset();
  const pl = { event: 'play_playlist', uuid: cfg.playlist.uuid, name: 'whatever' };
  seen.add('play_playlist');
  a.emit(RCE, pl);
  const quota = cfg.expectedQuota ?? cfg.interactiveQuota;
  for (const c of [a, b]) {
    const q = await c.next('quota_update');
    const echo = await c.next(RCE);
    const after = nextQuotaReset();
    check(q.t <= echo.t && c.events.indexOf(q) < c.events.indexOf(echo), `${c.label}: quota_update arrives before the echo`);
    check(q.args.length === 1, `${c.label}: quota_update has one argument`);
    const { quota: qv, quotaExpiresAt } = q.args[0];
    assertEq(Object.keys(q.args[0]).sort(), ['quota', 'quotaExpiresAt'], `${c.label}: quota_update keys`);
    check(qv === quota && Number.isInteger(qv), `${c.label}: quota_update.quota = ${quota} (got ${J(qv)})`);
    check(new RegExp(`"quota":${quota}[,}]`).test(rawOf(q)), `${c.label}: quota written as an integer literal (${q.raw})`);
    check(quotaExpiresAt === before || quotaExpiresAt === after, `${c.label}: quotaExpiresAt = next 07:00:00.000Z (${before}), got ${J(quotaExpiresAt)}`);
    assertEq(echo.args, [{ ...pl, name: cfg.playlist.name }], `${c.label}: play_playlist echo with the playlist name`);
  }
  // End on `playing` dream1 so that the database has a known current dream.
  await send({ event: 'playing', uuid: d1.uuid }, { event: 'playing', uuid: d1.uuid, name: d1.name });

  assertEq([...seen].sort(), [...REMOTE_CONTROLS].sort(), 'all 34 control values were sent');
  await a.expectNone();
  b.checkNone();
  o.checkNone();
};

// play_playlist with a quota already above the interactive quota (cfg.expectedQuota).
scenarios.play_playlist_quota = async () => {
  const [a, b] = await connectDevices(['A-web', 'A-desktop']);
  await a.afterEarlyNextWindow();
  const pl = { event: 'play_playlist', uuid: cfg.playlist.uuid };
  a.emit(RCE, pl);
  for (const c of [a, b]) {
    const q = await c.next('quota_update');
    check(q.args[0].quota === cfg.expectedQuota, `${c.label}: quota_update.quota unchanged = ${cfg.expectedQuota} (got ${J(q.args[0].quota)})`);
    await c.expect(RCE, [{ ...pl, name: cfg.playlist.name }]);
  }
  await a.expectNone();
  b.checkNone();
};

scenarios.reset_playlist = async () => {
  const [a, b] = await connectDevices(['A-web', 'A-desktop']);
  await a.afterEarlyNextWindow();
  await relay(a, { event: 'reset_playlist' }, [a, b]);
  await a.expectNone();
  b.checkNone();
};

// §7.1.2 / §7.1.5: Validation error / Error to the sender only.
scenarios.validation = async () => {
  const [a, b] = await connectDevices(['A-sender', 'A-other-device']);
  await a.afterEarlyNextWindow();
  const reply = async (args, event, error, what) => {
    a.emit(RCE, ...args);
    await a.expect(event, [{ error }], `${event} ${J(error)} for ${what ?? J(args)}`);
  };
  await reply([{ event: 'fullscreen', isWebClientEvent: true }], VE, EVENT_ONE_OF);
  await reply([{ event: 'next', isWebClientEvent: true, foo: 1 }], VE, '"foo" is not allowed');
  await reply([{ event: 'play_dream' }], VE, '"uuid" is required');
  await reply([{ event: 'playing', isWebClientEvent: true }], VE, '"uuid" is required');
  await reply([{ event: 'play_playlist', name: 'x' }], VE, '"uuid" is required');
  await reply([{ isWebClientEvent: true }], VE, '"event" is required');
  await reply([{ event: 42 }], VE, EVENT_ONE_OF);
  await reply([{ event: 'play_dream', uuid: 'not-a-uuid' }], VE, '"uuid" must be a valid GUID');
  await reply([{ event: 'next', name: '' }], VE, '"name" is not allowed to be empty');
  await reply([{ event: 'next', name: null }], VE, '"name" must be a string');
  await reply([{ event: 'next', frameNumber: 1.5 }], VE, '"frameNumber" must be an integer');
  await reply([{ event: 'status', fps: 'abc' }], VE, '"fps" must be a number');
  await reply([{ event: 'status', fps: 2 ** 53 + 2 }], VE, '"fps" must be a safe number');
  await reply([{ event: 'next', isWebClientEvent: 'maybe' }], VE, '"isWebClientEvent" must be a boolean');
  await reply([], VE, '"value" is required', 'no argument');
  await reply(['next'], VE, '"value" must be of type object');
  await reply([null], VE, '"value" must be of type object');
  await reply([[{ event: 'next' }]], VE, '"value" must be of type object');

  const NF = 'Not found.';
  await reply([{ event: 'play_dream', uuid: randomUUID() }], 'Error', NF, 'unknown dream');
  await reply([{ event: 'playing', uuid: randomUUID() }], 'Error', NF, 'playing an unknown dream');
  await reply([{ event: 'playing', uuid: cfg.otherHiddenDream.uuid }], 'Error', NF, "playing another user's hidden dream");
  await reply([{ event: 'play_dream', uuid: cfg.otherHiddenDream.uuid }], 'Error', NF, "play_dream another user's hidden dream");
  await reply([{ event: 'like', uuid: cfg.otherHiddenDream.uuid }], 'Error', NF, "like another user's hidden dream");
  await reply([{ event: 'dislike', uuid: randomUUID() }], 'Error', NF, 'dislike an unknown dream');
  await reply([{ event: 'playing', uuid: cfg.deletedDream.uuid }], 'Error', NF, 'playing a deleted dream');
  await reply([{ event: 'like', uuid: cfg.deletedDream.uuid }], 'Error', NF, 'like a deleted dream');
  await reply([{ event: 'report', uuid: cfg.otherHiddenDream.uuid }], 'Error', NF, "report another user's hidden dream");
  await reply([{ event: 'play_playlist', uuid: randomUUID() }], 'Error', NF, 'unknown playlist');
  await reply([{ event: 'play_playlist', uuid: cfg.otherHiddenPlaylist.uuid }], 'Error', NF, "another user's hidden playlist");
  await reply([{ event: 'like_current_dream', isWebClientEvent: true }], 'Error', NF, 'like_current_dream without a current dream');
  await reply([{ event: 'dislike_current_dream', isWebClientEvent: true }], 'Error', NF, 'dislike_current_dream without a current dream');

  // Another user's *visible* dream is usable (play_dream writes nothing).
  const v = cfg.otherVisibleDream;
  await relay(a, { event: 'play_dream', uuid: v.uuid }, [a, b], { event: 'play_dream', uuid: v.uuid, name: v.name });

  // Nothing but that echo reached the other device; the sender got no stray echo.
  await a.expectNone([RCE, VE, 'Error', 'quota_update']);
  b.checkNone();
};

// §7.1.5 / §7.6: hidden content is visible to admins.
scenarios.admin_visibility = async () => {
  const [a, b] = await connectDevices(['Admin-web', 'Admin-desktop'], { apiKey: cfg.adminApiKey });
  await a.afterEarlyNextWindow();
  const h = cfg.otherHiddenDream;
  await relay(a, { event: 'playing', uuid: h.uuid }, [a, b], { event: 'playing', uuid: h.uuid, name: h.name });
  const hp = cfg.otherHiddenPlaylist;
  a.emit(RCE, { event: 'play_playlist', uuid: hp.uuid });
  for (const c of [a, b]) {
    await c.next('quota_update');
    await c.expect(RCE, [{ event: 'play_playlist', uuid: hp.uuid, name: hp.name }]);
  }
  a.emit('join_dream_room', h.uuid);
  const e = await a.next('job:progress');
  assertEq([e.args[0].dream_uuid, e.args[0].status], [h.uuid, h.status], "admin joins another user's hidden dream room");
  await a.expectNone([RCE, VE, 'Error', 'job:progress']);
  b.checkNone([RCE, VE, 'Error', 'job:progress']);
};

// §3.1 / §7.1.2: relayed values keep their JSON type, numbers in JavaScript form.
scenarios.number_forms = async () => {
  const [a, b] = await connectDevices(['A-sender', 'A-receiver']);
  await a.afterEarlyNextWindow();
  const d1 = cfg.dream1;
  const rawRelay = async (payloadText, expectedRaw, expectedParsed) => {
    a.socket.io.engine.write(`2${NSP},["${RCE}",${payloadText}]`);
    for (const c of [a, b]) {
      const e = await c.next(RCE);
      assertEq(e.args, [expectedParsed], `${c.label}: parsed echo of ${payloadText}`);
      const raw = rawOf(e);
      for (const frag of expectedRaw) {
        const ok = frag instanceof RegExp ? frag.test(raw) : raw.includes(frag);
        check(ok, `${c.label}: raw echo matches ${frag} (${raw})`);
      }
    }
  };
  // String stays string, number stays number.
  await relay(a, { event: 'play_dream', uuid: d1.uuid, frameNumber: '12' }, [a, b], { event: 'play_dream', uuid: d1.uuid, frameNumber: '12', name: d1.name });
  const e12 = await (async () => {
    a.emit(RCE, { event: 'play_dream', uuid: d1.uuid, frameNumber: 12 });
    await a.expect(RCE, [{ event: 'play_dream', uuid: d1.uuid, frameNumber: 12, name: d1.name }]);
    return b.expect(RCE, [{ event: 'play_dream', uuid: d1.uuid, frameNumber: 12, name: d1.name }]);
  })();
  check(/"frameNumber":12[,}]/.test(rawOf(e12)), `frameNumber 12 written as 12 (${e12.raw})`);
  // 240.0 and 2.4e2 (sent as raw text, as non-JS clients may) become 240.
  await rawRelay(`{"event":"play_dream","uuid":"${d1.uuid}","frameNumber":240.0}`, [/"frameNumber":240[,}]/],
    { event: 'play_dream', uuid: d1.uuid, frameNumber: 240, name: d1.name });
  await rawRelay(`{"event":"play_dream","uuid":"${d1.uuid}","frameNumber":2.4e2}`, [/"frameNumber":240[,}]/],
    { event: 'play_dream', uuid: d1.uuid, frameNumber: 240, name: d1.name });
  await rawRelay('{"event":"status","currentTime":1.50,"duration":2.4e2,"fps":29.970,"paused":false}',
    ['"currentTime":1.5,', '"duration":240,', '"fps":29.97,', '"paused":false'],
    { event: 'status', currentTime: 1.5, duration: 240, fps: 29.97, paused: false });
  // Strings accepted for booleans/numbers are relayed as the original strings.
  await relay(a, { event: 'status', currentTime: '1.50', paused: 'false', isWebClientEvent: 'true' }, [a, b]);
  // A uuid in another accepted form is relayed as sent, with the looked-up name.
  const upper = `{${d1.uuid.toUpperCase()}}`;
  await relay(a, { event: 'play_dream', uuid: upper }, [a, b], { event: 'play_dream', uuid: upper, name: d1.name });
  await a.expectNone([RCE, VE, 'Error']);
  b.checkNone();
};

// §3.4 / §7.8: acks.
scenarios.acks = async () => {
  const [a, b] = await connectDevices(['A', 'A-other-device']);
  await a.afterEarlyNextWindow();
  const ackAfter = async (event, args, expected, emitted, what) => {
    const res = await a.ack(event, ...args);
    assertEq(res, expected, `ack of ${event} ${what ?? J(args)}`);
    // Everything the event emits is sent before its ack.
    if (emitted) {
      const e = a.events.find((x) => !x.used && x.event === emitted.event);
      check(e !== undefined, `${emitted.event} to the sender arrived before the ack`);
      e.used = true;
      assertEq(e.args, emitted.args, `${emitted.event} payload`);
    }
  };
  const p = { event: 'pause', isWebClientEvent: true };
  await ackAfter(RCE, [p], [p], { event: RCE, args: [p] });
  await b.expect(RCE, [p]);
  const pd = { event: 'play_dream', uuid: cfg.dream1.uuid };
  const pdEcho = { ...pd, name: cfg.dream1.name };
  await ackAfter(RCE, [pd], [pdEcho], { event: RCE, args: [pdEcho] });
  await b.expect(RCE, [pdEcho]);
  await ackAfter(RCE, [{ event: 'fullscreen' }], [{ error: EVENT_ONE_OF }], { event: VE, args: [{ error: EVENT_ONE_OF }] });
  await ackAfter(RCE, [{ event: 'play_dream', uuid: randomUUID() }], [{ error: 'Not found.' }], { event: 'Error', args: [{ error: 'Not found.' }] });
  await ackAfter('web_client_status', [{ active: true }], [{ connectedDevices: 2, hasWebPlayer: true }], { event: 'client_presence', args: [{ connectedDevices: 2, hasWebPlayer: true }] });
  await b.expectPresence(2, true);
  await ackAfter('ping', [], [], { event: 'client_presence', args: [{ connectedDevices: 2, hasWebPlayer: true }] });
  await b.expect('ping', []);
  await b.expectPresence(2, true);
  await ackAfter('goodbye', [], [], { event: 'client_presence', args: [{ connectedDevices: 2, hasWebPlayer: true }] });
  await b.expect('goodbye', []);
  await b.expectPresence(2, true);
  const ss = { timecode: '3', paused: 'true' };
  await ackAfter('state_sync', [ss], [ss], { event: 'state_sync', args: [ss] });
  await b.expect('state_sync', [ss]);
  await ackAfter('state_sync', [], [{ error: '"value" is required' }], { event: VE, args: [{ error: '"value" is required' }] });
  const hyd = await a.ack('join_dream_room', cfg.processingDream.uuid);
  const jp = await a.next('job:progress');
  assertEq(hyd, jp.args, 'join_dream_room ack = the hydration payload');
  check(hyd.length === 1 && hyd[0].dream_uuid === cfg.processingDream.uuid, 'hydration names the dream');
  await ackAfter('join_dream_room', ['nope'], [{ error: '"value" must be a valid GUID' }], { event: VE, args: [{ error: '"value" must be a valid GUID' }] });
  await ackAfter('join_dream_room', [cfg.otherHiddenDream.uuid], [{ error: 'Not found.' }], { event: 'Error', args: [{ error: 'Not found.' }] });
  await ackAfter('leave_dream_room', [cfg.processingDream.uuid], []);
  await ackAfter('ping_redis', [], []);
  await ackAfter('some_unknown_event', [{ x: 1 }], []);
  // A socket on the root namespace: acks with no arguments, no effect.
  const root = await client('A-root-namespace', { nsp: '/' }).connected();
  assertEq(await root.ack(RCE, p), [], 'root namespace: ack with no arguments');
  await root.expectNone([RCE, 'client_presence']);
  await a.expectNone([RCE, VE, 'Error', 'client_presence', 'job:progress']);
  b.checkNone();
};

// §7.1.4 early-next rule.
scenarios.early_next = async () => {
  const [obs] = await connectDevices(['A-observer']);
  const desktopHeaders = { 'Edream-Client-Type': 'native macOS', 'Edream-Client-Version': '0.8.1' };

  // Desktop: `ping` then `{event:'next'}` queued before the namespace is connected.
  const d = client('A-desktop', { extraHeaders: desktopHeaders });
  d.emit('ping');
  const droppedAck = new Promise((resolve) => {
    d.socket.timeout(WAIT).emit(RCE, { event: 'next' }, (err, ...args) => resolve(err ? 'timeout' : args));
  });
  await d.connected();
  assertEq(await droppedAck, [], 'the dropped next is acked with no arguments');
  await obs.expectPresence(2, false);
  await obs.expect('ping', []);
  await obs.expectPresence(2, false);
  await d.expectPresence(2, false);
  await d.expectPresence(2, false);
  await d.expectNone(RCE, 600);
  obs.checkNone(RCE);
  log('ok: the desktop automatic next was dropped (no echo to anyone)');
  // Outside the window, a plain next is handled.
  await d.afterEarlyNextWindow();
  await relay(d, { event: 'next' }, [d, obs]);
  const all = [obs, d];

  // A socket whose queued events are flushed right after its CONNECT ack; `expected` is the
  // echo it must cause (null: dropped), received by it and by every earlier device.
  const queued = async (label, payloads, expected) => {
    const c = client(label);
    for (const p of payloads) c.emit(RCE, p);
    await c.connected();
    for (const x of all) await x.expectPresence(all.length + 1, false);
    await c.expectPresence(all.length + 1, false);
    if (expected) for (const x of [c, ...all]) await x.expect(RCE, [expected], `${J(expected)} (queued by ${label})`);
    all.push(c);
    await c.expectNone(RCE, 600);
    for (const x of all) x.checkNone([RCE, VE, 'Error']);
  };
  // Only the first qualifying next is dropped: two queued nexts give exactly one echo.
  await queued('A-two-nexts', [{ event: 'next' }, { event: 'next' }], { event: 'next' });
  // isWebClientEvent:true is never dropped.
  await queued('A-web-next', [{ event: 'next', isWebClientEvent: true }], { event: 'next', isWebClientEvent: true });
  // A frameNumber that is a JSON number exempts it.
  await queued('A-next-with-frame', [{ event: 'next', frameNumber: 0 }], { event: 'next', frameNumber: 0 });
  // A uuid or key exempts it too.
  await queued('A-next-with-key', [{ event: 'next', key: 'k' }], { event: 'next', key: 'k' });
  // isWebClientEvent "true" (a string) is not the JSON literal true: dropped.
  await queued('A-next-string-true', [{ event: 'next', isWebClientEvent: 'true' }], null);
  // Other events inside the window are handled.
  await queued('A-early-pause', [{ event: 'pause' }], { event: 'pause' });
};

// §7.5 state_sync relay and replay on connect (§6.1 step 4).
scenarios.state_sync = async () => {
  const [a, b] = await connectDevices(['A-desktop', 'A-web']);
  const o = await client('B-other-user', { apiKey: cfg.otherApiKey }).connected();
  await o.expectPresence(1, false);
  await a.expectNone('state_sync', 300);
  b.checkNone('state_sync');
  o.checkNone('state_sync');

  const ss = { timecode: '12', paused: 'false' };
  a.emit('state_sync', ss);
  await a.expect('state_sync', [ss]);
  await b.expect('state_sync', [ss]);

  const c = await client('A-late').connected();
  const replay = await c.next('state_sync');
  assertEq(replay.args, [ss], 'a new socket gets the cached state_sync');
  const presence = await c.expectPresence(3, false);
  // The replay is delayed (100 ms) while the connect presence is immediate, so it comes
  // second. (Client-side timing is too noisy on a loaded machine for a tight lower bound.)
  check(c.events.indexOf(presence) < c.events.indexOf(replay), 'the replay comes after the connect presence');
  const delay = replay.t - c.connectedAt;
  check(delay <= 3000, `replayed shortly after connect (${delay} ms after the connect event)`);
  await a.expectPresence(3, false);
  await b.expectPresence(3, false);

  // A newer value replaces it, other keys are relayed too.
  const ss2 = { dream_uuid: cfg.dream1.uuid, playlist: '', timecode: '13.5', hud: 'on', paused: 'true', playback_speed: '1', fps: '30', extra: { n: 1 } };
  b.emit('state_sync', ss2);
  for (const x of [b, a, c]) await x.expect('state_sync', [ss2]);
  const c2 = await client('A-later').connected();
  await c2.expect('state_sync', [ss2], 'replay of the newest value');

  // Bad payloads.
  a.emit('state_sync');
  await a.expect(VE, [{ error: '"value" is required' }]);
  a.emit('state_sync', 'x');
  await a.expect(VE, [{ error: '"value" must be of type object' }]);

  // The other user never sees it, even on a new socket.
  const o2 = await client('B-other-new', { apiKey: cfg.otherApiKey }).connected();
  await o2.expectNone('state_sync', 500);
  o.checkNone('state_sync');
  for (const x of [a, b, c, c2]) x.checkNone(['state_sync', VE]);
};

// §7.6 dream rooms.
scenarios.dream_rooms = async () => {
  const a = await client('A').connected();
  await a.expectPresence(1, false);
  const joined = async (uuid, status) => {
    const before = Date.now();
    a.emit('join_dream_room', uuid);
    const e = await a.next('job:progress');
    check(e.args.length === 1, 'job:progress has one argument');
    const p = e.args[0];
    assertEq(Object.keys(p).sort(), ['dream_uuid', 'status', 'updated_at'], 'hydration keys');
    assertEq([p.dream_uuid, p.status], [uuid, status], `hydration of ${uuid}`);
    check(Number.isInteger(p.updated_at) && p.updated_at >= before - 5000 && p.updated_at <= Date.now() + 5000,
      `updated_at is epoch ms now (${p.updated_at})`);
  };
  await joined(cfg.processingDream.uuid, cfg.processingDream.status);
  await joined(cfg.dream1.uuid, 'COMPLETED');
  await joined(cfg.otherVisibleDream.uuid, cfg.otherVisibleDream.status);
  // Joining again is idempotent and hydrates again.
  await joined(cfg.processingDream.uuid, cfg.processingDream.status);

  a.emit('join_dream_room', cfg.otherHiddenDream.uuid);
  await a.expect('Error', [{ error: 'Not found.' }], "for another user's hidden dream");
  a.emit('join_dream_room', randomUUID());
  await a.expect('Error', [{ error: 'Not found.' }], 'for an unknown dream');
  a.emit('join_dream_room', cfg.deletedDream.uuid);
  await a.expect('Error', [{ error: 'Not found.' }], 'for a deleted dream');
  a.emit('join_dream_room', 'not-a-uuid');
  await a.expect(VE, [{ error: '"value" must be a valid GUID' }]);
  a.emit('join_dream_room');
  await a.expect(VE, [{ error: '"value" is required' }]);
  a.emit('leave_dream_room', cfg.processingDream.uuid);
  await a.expectNone(['job:progress', 'Error', VE]);
};

// §7.2 ping (desktop heartbeat).
scenarios.ping = async () => {
  const web = await client('A-web').connected();
  await web.expectPresence(1, false);
  const desk = await client('A-desktop', {
    extraHeaders: { 'Edream-Client-Type': 'native macOS', 'Edream-Client-Version': '0.8.1' },
  }).connected();
  await desk.expectPresence(2, false);
  await web.expectPresence(2, false);
  desk.emit('ping');
  await web.expect('ping', [], 'with no arguments');
  await web.expectPresence(2, false);
  await desk.expectPresence(2, false);
  desk.emit('ping', 'ignored-extra-arg');
  await web.expect('ping', [], 'with no arguments (extra args ignored)');
  await web.expectPresence(2, false);
  await desk.expectPresence(2, false);
  await desk.expectNone();
  web.checkNone();
};

// §7.3 goodbye (desktop quitting): socket stays connected.
scenarios.goodbye = async () => {
  const web = await client('A-web').connected();
  await web.expectPresence(1, false);
  const desk = await client('A-desktop', {
    extraHeaders: { 'Edream-Client-Type': 'native macOS', 'Edream-Client-Version': '0.8.1' },
  }).connected();
  await desk.expectPresence(2, false);
  await web.expectPresence(2, false);
  assertEq(await web.ack('web_client_status', { active: true }), [{ connectedDevices: 2, hasWebPlayer: true }], 'web player active');
  await web.expectPresence(2, true);
  await desk.expectPresence(2, true);
  desk.emit('goodbye');
  await web.expect('goodbye', [], 'with no arguments');
  await web.expectPresence(2, true);
  await desk.expectPresence(2, true);
  await desk.expectNone();
  web.checkNone();
  check(desk.socket.connected, 'the desktop socket stays connected after goodbye');
};

// §3.2 / §3.3 / §4 bad credentials and namespaces.
scenarios.bad_credentials = async () => {
  const a = await client('A-watcher').connected();
  await a.expectPresence(1, false);
  const refused = async (label, opts, message = 'UNAUTHORIZED') => {
    const c = client(label, opts);
    const err = await c.connectError();
    check(err.message === message, `${label}: connect_error message is exactly ${J(message)} (got ${J(err.message)})`);
    check(err.data === undefined, `${label}: connect_error has no data`);
    c.close();
  };
  await refused('wrong-apiKey-payload', { auth: { apiKey: 'definitely-not-a-key' } });
  await refused('empty-auth-payload', { auth: {} });
  await refused('no-credentials', { apiKey: null });
  await refused('no-credentials-polling', { apiKey: null, transports: ['polling'] });
  await refused('wrong-apiKey-header', { apiKey: null, extraHeaders: { Authorization: 'Api-Key definitely-not-a-key' } });
  await refused('garbage-bearer-header', { apiKey: null, extraHeaders: { Authorization: 'Bearer garbage.token.here' } });
  await refused('garbage-token-payload', { auth: { token: 'garbage' } });
  await refused('garbage-session-cookie', { apiKey: null, extraHeaders: { Cookie: 'wos-session=garbage' } });
  await refused('wrong-payload-beats-good-header', {
    auth: { apiKey: 'definitely-not-a-key' },
    extraHeaders: { Authorization: `Api-Key ${cfg.apiKey}` },
  });
  await refused('root-namespace-without-credentials', { apiKey: null, nsp: '/' });
  await refused('unknown-namespace', { nsp: '/nope' }, 'Invalid namespace');

  // Positive controls: `{token: "Api-Key …"}` and the root namespace with credentials.
  const t = await client('token-api-key', { auth: { token: `Api-Key ${cfg.apiKey}` } }).connected();
  await t.expectPresence(2, false);
  await a.expectPresence(2, false);
  const root = await client('root-namespace', { nsp: '/' }).connected();
  await root.expectNone(null, 300);
  await a.expectNone(['client_presence', RCE], 100);
};

// §6.2 / §10 disconnects update presence.
scenarios.disconnect_presence = async () => {
  const [a, b] = await connectDevices(['A1', 'A2']);
  assertEq(await b.ack('web_client_status', { active: true }), [{ connectedDevices: 2, hasWebPlayer: true }], 'B is the web player');
  await a.expectPresence(2, true);
  await b.expectPresence(2, true);
  b.close();
  await a.expectPresence(1, false);
  const c = await client('A3').connected();
  await c.expectPresence(2, false);
  await a.expectPresence(2, false);
  // Transport loss (no DISCONNECT packet) counts too.
  c.socket.io.engine.close();
  await a.expectPresence(1, false);
  await a.expectNone();
};

// ---------------------------------------------------------------------------------------

async function main() {
  const run = scenarios[scenarioName];
  if (!run) {
    console.error(`unknown scenario ${J(scenarioName)}; known: ${Object.keys(scenarios).join(', ')}`);
    process.exit(2);
  }
  log(`scenario ${scenarioName} against ${cfg.url}`);
  const watchdog = setTimeout(() => {
    console.error(`FAIL ${scenarioName}: scenario still running after 60 s`);
    process.exit(1);
  }, 60000);
  try {
    await run();
    log(`PASS ${scenarioName}`);
    clearTimeout(watchdog);
    for (const c of clients) c.socket.disconnect();
    process.exit(0);
  } catch (err) {
    console.error(`FAIL ${scenarioName}: ${err instanceof Failure ? err.message : err.stack}`);
    for (const c of clients) c.socket.disconnect();
    process.exit(1);
  }
}

main();
