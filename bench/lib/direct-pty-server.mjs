// The terminal benchmark's baseline: a WebSocket connected straight to a PTY running the given
// command (the same `tmux attach` the broker runs), bytes both ways as binary frames. No hub,
// no control channel, no authentication. Prints "up <port>" when listening.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const pty = require("node-pty");
const { WebSocketServer } = require("ws");

const argv = JSON.parse(process.argv[2]);
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws, req) => {
  const q = new URL(req.url, "http://x").searchParams;
  const proc = pty.spawn(argv[0], argv.slice(1), {
    name: "xterm-256color",
    cols: Number(q.get("cols") ?? 80),
    rows: Number(q.get("rows") ?? 24),
    env: { ...process.env, TERM: "xterm-256color", TMUX: "" },
    encoding: null,
  });
  proc.onData((d) => ws.readyState === ws.OPEN && ws.send(d, { binary: true }));
  proc.onExit(() => ws.close());
  ws.on("message", (data, isBinary) => isBinary && proc.write(data));
  ws.on("close", () => proc.kill());
});
wss.on("listening", () => console.log(`up ${wss.address().port}`));
