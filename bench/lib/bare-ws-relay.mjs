// The terminal benchmark's floor for any design with a process between the browser and the PTY:
// a WebSocket server that relays binary frames both ways, as they come, to the WebSocket URL
// given as its argument (the direct PTY server), adding only the path's query. No
// authentication, no control channel, no framing, no flow control. Prints "up <port>" when listening.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { WebSocket, WebSocketServer } = require("ws");

const target = process.argv[2];
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws, req) => {
  const upstream = new WebSocket(`${target}${new URL(req.url, "http://x").search}`);
  const early = [];
  upstream.on("open", () => early.splice(0).forEach((d) => upstream.send(d, { binary: true })));
  upstream.on("message", (data, isBinary) => ws.readyState === ws.OPEN && ws.send(data, { binary: isBinary }));
  upstream.on("close", () => ws.close());
  upstream.on("error", () => ws.close());
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    if (upstream.readyState === upstream.OPEN) upstream.send(data, { binary: true });
    else early.push(data);
  });
  ws.on("close", () => upstream.close());
});
wss.on("listening", () => console.log(`up ${wss.address().port}`));
