import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { ChannelPeer, type RequestHandler } from "../lib/brokers/channel/channel-peer";
import { CHANNEL_PATH, TUNNEL_PATH, TUNNEL_PROTOCOL } from "../lib/brokers/channel/protocol";
import { signBrokerRequest } from "../lib/brokers/hmac";
import type { Logger } from "../lib/log/create-logger";

export interface ControlChannelOptions {
  /** Hub base URLs, tried in order and rotated on every failed or lost connection. */
  hubUrls: string[];
  brokerId: string;
  secret: string;
  logger: Logger;
  onRequest: RequestHandler;
  /** What each heartbeat carries (the agents this broker runs). */
  heartbeat: () => unknown | Promise<unknown>;
  onConnected?: (hubUrl: string) => void;
  /** Events from the hub (terminal control). */
  onEvent?: (name: string, data: unknown) => void;
  /** The channel closed (terminals attached through it are gone). */
  onDisconnected?: () => void;
  heartbeatMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/**
 * The longest wait between two tries, by default. A hub that restarts in a few seconds has every
 * broker back within about this long after it is up (the last ones are those whose wait had grown
 * largest while it was down): with 30 s, 1,000 brokers took 15.7 s on one night and 27.3 s on a
 * slower one, against a 30 s target for the storm. At 10 s a fleet of 1,000 waiting out a long
 * outage tries about 200 times a second on average, which a hub refuses or accepts cheaply.
 */
export const BACKOFF_MAX_MS = 10_000;

/**
 * The wait before try `attempt` + 1 after `attempt` failures in a row (0 for the first retry):
 * fully jittered, uniform below min(maxMs, baseMs × 2^attempt), so a fleet of brokers does not
 * stampede a restarting hub.
 */
export function reconnectDelay(
  attempt: number,
  baseMs = 500,
  maxMs = BACKOFF_MAX_MS,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

/**
 * The broker's end of the control channel. Dials the hub with a signed upgrade (fresh nonce
 * each time), answers requests concurrently, sends a heartbeat every 30 s, and after any failure
 * or disconnect tries the next hub URL after a fully jittered exponential backoff (so a fleet of
 * brokers does not stampede a restarting hub).
 */
export class ControlChannelClient {
  private ws: WebSocket | undefined;
  private peer: ChannelPeer | undefined;
  private attempt = 0;
  private urlIndex = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private connectedWaiters: Array<() => void> = [];
  private currentUrl: string | undefined;

  constructor(private readonly opts: ControlChannelOptions) {
    if (opts.hubUrls.length === 0) throw new Error("no hub URLs to connect to");
  }

  /** The hub this broker is connected to now, if any. */
  get connectedUrl(): string | undefined {
    return this.isConnected ? this.currentUrl : undefined;
  }

  /**
   * Dials a terminal's tunnel on the hub this channel is connected to (signed like the channel,
   * fresh nonce): the raw socket once the hub switched protocols, and any bytes that came with it.
   */
  dialTunnel(stream: number): Promise<{ socket: Duplex; head: Buffer }> {
    const base = this.connectedUrl;
    if (!base) return Promise.reject(new Error("not connected to a hub"));
    const url = new URL(TUNNEL_PATH, base);
    url.search = `stream=${stream}`;
    const headers = signBrokerRequest(
      { method: "GET", path: url.pathname, query: url.search.slice(1) },
      this.opts.brokerId,
      this.opts.secret,
    );
    return new Promise((resolve, reject) => {
      const request = (url.protocol === "https:" ? https : http).request(url, {
        headers: { ...headers, connection: "Upgrade", upgrade: TUNNEL_PROTOCOL },
        timeout: 10_000,
      });
      request.once("upgrade", (_res, socket, head) => {
        request.setTimeout(0);
        resolve({ socket, head });
      });
      request.once("response", (res: http.IncomingMessage) => {
        res.resume();
        reject(new Error(`the hub refused the terminal tunnel (HTTP ${res.statusCode})`));
      });
      request.once("timeout", () => request.destroy(new Error("the hub did not open the terminal tunnel in time")));
      request.once("error", reject);
      request.end();
    });
  }

  /** Sends an event to the hub; dropped while disconnected (the hub learns the state anyway). */
  emit(name: string, data: unknown): void {
    this.peer?.emit(name, data);
  }

  get isConnected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.peer !== undefined;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Resolves once connected (now or later). */
  waitConnected(): Promise<void> {
    if (this.isConnected) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once("close", () => resolve());
      ws.close(1001, "broker stopping");
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }

  private connect(): void {
    const base = this.opts.hubUrls[this.urlIndex % this.opts.hubUrls.length]!;
    const url = new URL(CHANNEL_PATH, base);
    const headers = signBrokerRequest(
      { method: "GET", path: url.pathname, query: "" },
      this.opts.brokerId,
      this.opts.secret,
    );
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url, { headers, maxPayload: 1024 * 1024, handshakeTimeout: 10_000 });
    this.ws = ws;
    let opened = false;

    ws.on("open", () => {
      opened = true;
      this.attempt = 0;
      this.currentUrl = base;
      this.peer = new ChannelPeer(ws, {
        onRequest: this.opts.onRequest,
        onEvent: (name, data) => this.opts.onEvent?.(name, data),
        onProtocolError: (err) => this.opts.logger.warn({ err: err.message }, "hub sent a malformed frame"),
      });
      this.opts.logger.info({ hub: base }, "control channel open");
      this.opts.onConnected?.(base);
      void this.sendHeartbeat();
      this.heartbeatTimer = setInterval(() => void this.sendHeartbeat(), this.opts.heartbeatMs ?? 30_000);
      for (const resolve of this.connectedWaiters.splice(0)) resolve();
    });
    ws.on("unexpected-response", (_req, res) => {
      this.opts.logger.warn({ hub: base, status: res.statusCode }, "the hub refused the control channel");
      ws.terminate();
    });
    ws.on("error", (err) => this.opts.logger.debug({ hub: base, err: err.message }, "control channel error"));
    ws.on("close", (code) => {
      clearInterval(this.heartbeatTimer);
      this.peer = undefined;
      if (opened) this.opts.onDisconnected?.();
      if (opened) this.opts.logger.warn({ hub: base, code }, "control channel closed");
      if (this.stopped) return;
      this.urlIndex++;
      const delay = reconnectDelay(this.attempt++, this.opts.backoffBaseMs, this.opts.backoffMaxMs);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private async sendHeartbeat(): Promise<void> {
    try {
      this.peer?.emit("heartbeat", await this.opts.heartbeat());
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, "building a heartbeat failed");
    }
  }
}
