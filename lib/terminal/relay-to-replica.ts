import WebSocket, { type RawData } from "ws";
import { REPLICA_IDENTITY_HEADER, signReplicaIdentity } from "../auth/replica-identity";
import type { HubRuntime } from "../runtime/hub-runtime";
import { pauseWhileQueued } from "./backpressure";

/** Beyond this many bytes queued towards one side, reading from the other side pauses. */
const HIGH_WATER = 1024 * 1024;

/**
 * Relays a browser's terminal socket to the replica that holds the agent's broker: a WebSocket
 * to that replica's internal URL, vouching for the person, with frames passed through as they
 * are (binary bytes, JSON control). Frames sent before the far side opens wait for it; a side
 * whose outgoing queue grows pauses reading the other, so a flood stays bounded here too;
 * either side closing closes the other.
 */
export function relayToReplica(
  runtime: HubRuntime,
  browser: WebSocket,
  ownerUrl: string,
  agentId: string,
  size: { cols: number; rows: number },
  userId: string,
): void {
  runtime.webSockets.add(browser);
  const url = new URL(`/api/v1/agents/${agentId}/pty`, ownerUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("cols", String(size.cols));
  url.searchParams.set("rows", String(size.rows));
  const upstream = new WebSocket(url, {
    headers: { [REPLICA_IDENTITY_HEADER]: signReplicaIdentity(runtime.sessionSecret, userId, agentId) },
    maxPayload: 1024 * 1024,
    handshakeTimeout: 10_000,
  });
  const early: Array<{ data: RawData; isBinary: boolean }> = [];
  let closed = false;

  const pipe = (from: WebSocket, to: WebSocket) => (data: RawData, isBinary: boolean) => {
    if (to.readyState !== WebSocket.OPEN) {
      if (to === upstream && to.readyState === WebSocket.CONNECTING) early.push({ data, isBinary });
      return;
    }
    to.send(data, { binary: isBinary });
    pauseWhileQueued(
      from,
      () => to.bufferedAmount,
      HIGH_WATER,
      () => closed,
    );
  };
  const closeBoth = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    runtime.webSockets.delete(browser);
    const safe = code === 1005 || code === 1006 || code < 1000 ? 1011 : code;
    for (const ws of [browser, upstream])
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)
        ws.close(safe, reason.slice(0, 120));
  };

  browser.on("message", pipe(browser, upstream));
  upstream.on("message", pipe(upstream, browser));
  upstream.once("open", () => {
    for (const { data, isBinary } of early.splice(0)) upstream.send(data, { binary: isBinary });
  });
  upstream.on("unexpected-response", (_req, res) => {
    runtime.logger.warn(
      { agentId, status: res.statusCode, ownerUrl },
      "the replica holding the broker refused a relayed terminal",
    );
    closeBoth(4000 + Math.min(res.statusCode ?? 500, 999), `the replica holding the broker answered ${res.statusCode}`);
  });
  upstream.on("error", (err) => closeBoth(1011, `relay failed: ${err.message}`));
  upstream.on("close", (code, reason) => closeBoth(code, reason.toString() || "the relayed terminal closed"));
  browser.on("close", (code, reason) => closeBoth(code, reason.toString() || "closed"));
  browser.on("error", () => closeBoth(1011, "socket error"));
}
