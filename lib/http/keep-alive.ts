import type { WebSocket } from "ws";

/**
 * Pings a WebSocket every `intervalMs` and terminates it when the previous ping got no pong, so
 * a peer that vanished without a close frame is noticed. Returns the stop function.
 */
export function keepAlive(ws: WebSocket, intervalMs: number): () => void {
  let alive = true;
  ws.on("pong", () => (alive = true));
  const timer = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, intervalMs);
  return () => clearInterval(timer);
}
