"""Compatibility scenarios driving the server with the real `python-socketio` client.

    tests/compat/.venv/bin/python tests/compat/scenarios.py <scenario> '<json config>'

Same config as scenarios.mjs (built by tests/api/realtime_compat.rs). Prints every check;
exits 0 on success, 1 with a message on the first failure. Every wait is bounded; fixed
delays are used only for "nothing arrives within N ms" assertions and to let the 300 ms
early-next window pass.
"""

import json
import re
import sys
import threading
import time
import uuid
from importlib.metadata import version

import socketio

NSP = "/remote-control"
WAIT = 8.0  # bound of every positive wait (s)
QUIET = 0.4  # "nothing arrives" window (s)
EARLY_NEXT_WINDOW = 0.3
RCE = "new_remote_control_event"
VE = "Validation error"
REMOTE_CONTROLS = [
    "playing", "play_dream", "play_playlist", "like", "dislike", "like_current_dream",
    "dislike_current_dream", "previous", "next", "repeat", "shuffle", "playback_slower",
    "playback_faster", "forward", "backward", "brighter", "darker", "credit", "web", "help",
    "status", "set_speed_1", "set_speed_2", "set_speed_3", "set_speed_4", "set_speed_5",
    "set_speed_6", "set_speed_7", "set_speed_8", "set_speed_9", "pause", "capture", "report",
    "reset_playlist",
]
EVENT_ONE_OF = '"event" must be one of [' + ", ".join(REMOTE_CONTROLS) + "]"

# What websocket-client sends as Origin when a script connects to the production API.
API_ORIGIN = "https://api-alpha.infinidream.ai"
T0 = time.monotonic()
CFG = {}


class Failure(Exception):
    pass


def log(*args):
    print(f"[{int((time.monotonic() - T0) * 1000):5d} ms]", *args, flush=True)


def fail(msg):
    raise Failure(msg)


def check(cond, msg):
    if not cond:
        fail(f"check failed: {msg}")
    log("ok:", msg)


def same(a, b):
    """Deep equality that also requires equal JSON types (1 != 1.0 != True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def assert_eq(actual, expected, msg):
    if not same(actual, expected):
        fail(f"{msg}\n    expected: {expected!r}\n    actual:   {actual!r}")
    log("ok:", msg)


CLIENTS = []


class Client:
    """A python-socketio client that records every event of /remote-control (or `nsp`)."""

    def __init__(self, label, api_key="default", auth=None, headers=None, transports=("websocket",), nsp=NSP,
                 origin=API_ORIGIN):
        self.label = label
        self.nsp = nsp
        self.events = []
        self.cond = threading.Condition()
        self.connected_at = None
        self.connect_error = None
        # websocket-client sends `Origin: http://<host:port>` by default, which the server's
        # CORS rules (rest-api.md §1.8) refuse for 127.0.0.1; against the real deployment it
        # would send the API's own https origin, which is allowed. Send that one.
        self.sio = socketio.Client(reconnection=False, websocket_extra_options={"origin": origin})
        if api_key == "default":
            api_key = CFG["apiKey"]
        self.auth = auth if auth is not None else ({"apiKey": api_key} if api_key else None)
        self.headers = headers or {}
        self.transports = list(transports) if transports else None

        def on_any(event, *args):
            self.push(event, list(args))

        def on_connect():
            self.connected_at = time.monotonic()

        def on_connect_error(*data):
            self.connect_error = data[0] if data else None
            self.push("connect_error", list(data))

        self.sio.on("*", on_any, namespace=nsp)
        self.sio.on("connect", on_connect, namespace=nsp)
        self.sio.on("connect_error", on_connect_error, namespace=nsp)
        CLIENTS.append(self)

    def push(self, event, args):
        with self.cond:
            self.events.append({"event": event, "args": args, "t": time.monotonic(), "used": False})
            self.cond.notify_all()

    def connect(self, expect_ok=True):
        try:
            self.sio.connect(
                CFG["url"],
                headers=self.headers,
                auth=self.auth,
                transports=self.transports,
                namespaces=[self.nsp],
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError as exc:
            if expect_ok:
                fail(f"{self.label}: connection failed: {exc} (connect_error {self.connect_error!r})")
            return exc
        if not expect_ok:
            fail(f"{self.label}: connected although it should have been refused")
        sid = self.sio.get_sid(self.nsp)
        check(
            sid is not None and re.fullmatch(r"[A-Za-z0-9_-]{20}", sid) is not None,
            f"{self.label} connected with a 20-character socket id ({sid})",
        )
        return self

    def summary(self):
        rest = [f"{e['event']}{json.dumps(e['args'])}" for e in self.events if not e["used"]]
        return ", ".join(rest) or "(nothing)"

    def next(self, name, timeout=WAIT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events:
                    if not e["used"] and e["event"] == name:
                        e["used"] = True
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    fail(f"{self.label}: no '{name}' within {timeout} s; unconsumed: {self.summary()}")
                self.cond.wait(left)

    def expect(self, name, args, what=None):
        e = self.next(name)
        assert_eq(e["args"], args, f"{self.label} received {name} {what or json.dumps(args)}")
        return e

    def expect_presence(self, devices, web):
        return self.expect("client_presence", [{"connectedDevices": devices, "hasWebPlayer": web}])

    def check_none(self, names=None, when="so far"):
        names = [names] if isinstance(names, str) else names
        with self.cond:
            extra = [e for e in self.events if not e["used"] and (names is None or e["event"] in names)]
        if extra:
            fail(f"{self.label}: unexpected {', '.join(e['event'] + json.dumps(e['args']) for e in extra)} {when}")
        log(f"ok: {self.label} received no {'/'.join(names) if names else 'event'} {when}")

    def expect_none(self, names=None, secs=QUIET):
        time.sleep(secs)
        self.check_none(names, f"within {int(secs * 1000)} ms")

    def after_early_next_window(self):
        left = self.connected_at + EARLY_NEXT_WINDOW + 0.05 - time.monotonic()
        if left > 0:
            time.sleep(left)

    def emit(self, event, *args):
        if len(args) == 0:
            self.sio.emit(event, namespace=self.nsp)
        elif len(args) == 1:
            self.sio.emit(event, args[0], namespace=self.nsp)
        else:
            self.sio.emit(event, tuple(args), namespace=self.nsp)

    def ack(self, event, *args):
        """Emits with an ack request; returns ALL the ack arguments as a list."""
        done = threading.Event()
        got = []

        def cb(*resp):
            got.extend(resp)
            done.set()

        data = None if not args else (args[0] if len(args) == 1 else tuple(args))
        self.sio.emit(event, data, namespace=self.nsp, callback=cb)
        if not done.wait(WAIT):
            fail(f"{self.label}: no ack for {event} within {WAIT} s")
        return got

    def transport(self):
        return self.sio.transport()

    def close(self):
        try:
            self.sio.disconnect()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass


def connect_devices(labels, **kw):
    out = []
    for label in labels:
        c = Client(label, **kw).connect()
        out.append(c)
        for d in out:
            d.expect_presence(len(out), False)
    return out


def relay(sender, payload, to, expected=None):
    expected = payload if expected is None else expected
    sender.emit(RCE, payload)
    for c in to:
        c.expect(RCE, [expected], f"{json.dumps(expected)} (from {sender.label})")


# ------------------------------------------------------------------------------------------
# scenarios
# ------------------------------------------------------------------------------------------


def scenario_connect_presence():
    # CONNECT payload {apiKey} over websocket.
    a = Client("A-auth-websocket").connect()
    check(a.transport() == "websocket", "A uses websocket")
    a.expect_presence(1, False)
    # Authorization header, default transports (polling, then upgrade to websocket).
    b = Client("A-header-default", api_key=None, headers={"Authorization": f"Api-Key {CFG['apiKey']}"},
               transports=None).connect()
    b.expect_presence(2, False)
    a.expect_presence(2, False)
    deadline = time.monotonic() + WAIT
    while b.transport() != "websocket" and time.monotonic() < deadline:
        time.sleep(0.05)
    check(b.transport() == "websocket", "B (polling first) upgraded to websocket")
    # Polling only.
    c = Client("A-auth-polling", transports=("polling",)).connect()
    check(c.transport() == "polling", "C stays on polling")
    for x in (c, a, b):
        x.expect_presence(3, False)
    assert_eq(c.ack("web_client_status", {"active": True}), [{"connectedDevices": 3, "hasWebPlayer": True}],
              "web_client_status ack")
    for x in (a, b, c):
        x.expect_presence(3, True)
    c.close()
    for x in (a, b):
        x.expect_presence(2, False)
    b.close()
    a.expect_presence(1, False)
    a.expect_none()


def scenario_relay_echo():
    (a,) = connect_devices(["A1"])
    b = Client("A2-polling", transports=("polling",)).connect()
    b.expect_presence(2, False)
    a.expect_presence(2, False)
    o = Client("B-other-user", api_key=CFG["otherApiKey"]).connect()
    o.expect_presence(1, False)
    a.after_early_next_window()
    b.after_early_next_window()
    relay(a, {"event": "next", "isWebClientEvent": True}, [a, b])
    relay(b, {"event": "previous", "isWebClientEvent": True}, [b, a])
    relay(a, {"event": "play_dream", "uuid": CFG["dream1"]["uuid"], "frameNumber": 7}, [a, b],
          {"event": "play_dream", "uuid": CFG["dream1"]["uuid"], "frameNumber": 7, "name": CFG["dream1"]["name"]})
    relay(o, {"event": "pause", "isWebClientEvent": True}, [o])
    a.expect_none()
    b.check_none()
    o.check_none()


def scenario_validation():
    a, b = connect_devices(["A-sender", "A-other-device"])
    a.after_early_next_window()

    def reply(args, event, error, what=None):
        a.emit(RCE, *args)
        a.expect(event, [{"error": error}], f"{event} {error!r} for {what or json.dumps(args)}")

    reply([{"event": "fullscreen", "isWebClientEvent": True}], VE, EVENT_ONE_OF)
    reply([{"event": "next", "foo": 1}], VE, '"foo" is not allowed')
    reply([{"event": "play_dream"}], VE, '"uuid" is required')
    reply([{"event": "play_dream", "uuid": "nope"}], VE, '"uuid" must be a valid GUID')
    reply([{"event": "next", "frameNumber": 1.5}], VE, '"frameNumber" must be an integer')
    reply([], VE, '"value" is required', "no argument")
    reply([{"event": "play_dream", "uuid": str(uuid.uuid4())}], "Error", "Not found.", "unknown dream")
    reply([{"event": "play_dream", "uuid": CFG["otherHiddenDream"]["uuid"]}], "Error", "Not found.",
          "another user's hidden dream")
    assert_eq(a.ack(RCE, {"event": "fullscreen"}), [{"error": EVENT_ONE_OF}], "ack of a validation failure")
    a.expect(VE, [{"error": EVENT_ONE_OF}])

    # Python floats: 240.0 is relayed as the integer 240, 1.50 as 1.5, strings stay strings.
    d1 = CFG["dream1"]
    sent = {"event": "play_dream", "uuid": d1["uuid"], "frameNumber": 240.0}
    a.emit(RCE, sent)
    for c in (a, b):
        e = c.expect(RCE, [{"event": "play_dream", "uuid": d1["uuid"], "frameNumber": 240, "name": d1["name"]}],
                     "with frameNumber 240 (sent as 240.0)")
        check(type(e["args"][0]["frameNumber"]) is int, f"{c.label}: frameNumber decoded as int")
    status = {"event": "status", "currentTime": 1.50, "duration": 240.0, "fps": "29.97", "paused": "false"}
    a.emit(RCE, status)
    for c in (a, b):
        c.expect(RCE, [{"event": "status", "currentTime": 1.5, "duration": 240, "fps": "29.97", "paused": "false"}])
    relay(a, {"event": "play_dream", "uuid": d1["uuid"], "frameNumber": "12"}, [a, b],
          {"event": "play_dream", "uuid": d1["uuid"], "frameNumber": "12", "name": d1["name"]})
    a.expect_none([RCE, VE, "Error"])
    b.check_none()


def scenario_bad_credentials():
    w = Client("A-watcher").connect()
    w.expect_presence(1, False)

    def refused(label, message="UNAUTHORIZED", **kw):
        c = Client(label, **kw)
        c.connect(expect_ok=False)
        assert_eq(c.connect_error, {"message": message}, f"{label}: connect_error data")
        c.close()

    refused("wrong-apiKey-payload", auth={"apiKey": "definitely-not-a-key"})
    refused("no-credentials", api_key=None)
    refused("no-credentials-polling", api_key=None, transports=("polling",))
    refused("wrong-apiKey-header", api_key=None, headers={"Authorization": "Api-Key definitely-not-a-key"})
    refused("garbage-bearer", api_key=None, headers={"Authorization": "Bearer garbage"})
    refused("unknown-namespace", message="Invalid namespace", nsp="/nope")

    # A disallowed Origin is refused before Socket.IO (websocket upgrade answered 400).
    c = Client("disallowed-origin", origin="http://evil.example")
    err = c.connect(expect_ok=False)
    check(isinstance(err, socketio.exceptions.ConnectionError), f"disallowed origin: connection refused ({err})")
    check(c.connect_error != {"message": "UNAUTHORIZED"}, "disallowed origin: refused at the Engine.IO level")
    c.close()
    w.expect_none(["client_presence", RCE])


SCENARIOS = {
    "connect_presence": scenario_connect_presence,
    "relay_echo": scenario_relay_echo,
    "validation": scenario_validation,
    "bad_credentials": scenario_bad_credentials,
}


def main():
    global CFG
    if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
        print(f"usage: scenarios.py <{'|'.join(SCENARIOS)}> '<json config>'", file=sys.stderr)
        return 2
    name = sys.argv[1]
    CFG = json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    log(f"scenario {name} against {CFG.get('url')} (python-socketio {version('python-socketio')})")
    watchdog = threading.Timer(60, lambda: (print(f"FAIL {name}: still running after 60 s", file=sys.stderr, flush=True),
                                            __import__("os")._exit(1)))
    watchdog.daemon = True
    watchdog.start()
    code = 0
    try:
        SCENARIOS[name]()
        log(f"PASS {name}")
    except Failure as exc:
        print(f"FAIL {name}: {exc}", file=sys.stderr, flush=True)
        code = 1
    except Exception as exc:  # noqa: BLE001 - report anything as a failure
        import traceback

        traceback.print_exc()
        print(f"FAIL {name}: {exc!r}", file=sys.stderr, flush=True)
        code = 1
    for c in CLIENTS:
        c.close()
    watchdog.cancel()
    return code


if __name__ == "__main__":
    sys.exit(main())
