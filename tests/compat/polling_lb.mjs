// A long-polling-only socket.io-client behind a round-robin load balancer without
// affinity: connects, reports presence and every remote-control event it receives as
// JSON lines on stdout; exits after its round trip, or after `seconds` at the latest.
import { io } from "socket.io-client";

const [url, apiKey, seconds] = process.argv.slice(2);
const socket = io(`${url}/remote-control`, { transports: ["polling"], auth: { apiKey }, reconnection: false });
const out = (o) => console.log(JSON.stringify(o));
socket.on("connect", () => out({ type: "connect", transport: socket.io.engine.transport.name }));
socket.on("connect_error", (e) => { out({ type: "connect_error", message: e.message }); process.exit(2); });
socket.on("disconnect", (reason) => out({ type: "disconnect", reason }));
socket.on("client_presence", (p) => out({ type: "presence", ...p }));
socket.on("new_remote_control_event", (e) => {
  out({ type: "event", payload: e });
  if (e.event === "help") {
    socket.emit("new_remote_control_event", { event: "credit", isWebClientEvent: true });
    // Done: leave once the reply had time to go out.
    setTimeout(() => { socket.close(); process.exit(0); }, 500);
  }
});
setTimeout(() => { socket.close(); process.exit(0); }, Number(seconds) * 1000);
