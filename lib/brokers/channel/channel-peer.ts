import crypto from "node:crypto";
import type { WebSocket } from "ws";
import { encodeFrames, FrameDecoder, type ChannelError, type ChannelMessage } from "./protocol";

export type RequestHandler = (op: string, args: unknown) => Promise<unknown>;

export class ChannelRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ChannelRequestError";
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One end of a control channel over an open WebSocket, used by the hub and the broker alike:
 * request/response with ids and timeouts, events, parts for large messages. Incoming requests
 * run concurrently; a handler's error becomes an error response rather than a dropped call.
 */
export class ChannelPeer {
  private pending = new Map<string, Pending>();
  private decoder = new FrameDecoder();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly handlers: {
      onRequest: RequestHandler;
      onEvent: (name: string, data: unknown) => void;
      onProtocolError: (err: Error) => void;
    },
  ) {
    ws.on("message", (data, isBinary) => {
      let message: ChannelMessage | null;
      try {
        // Terminals travel in tunnels of their own (protocol.ts): the channel carries only JSON.
        if (isBinary) throw new Error("the control channel carries no binary frames");
        message = this.decoder.decode(data.toString());
      } catch (err) {
        this.handlers.onProtocolError(err as Error);
        ws.close(1002, "protocol error");
        return;
      }
      if (message) this.dispatch(message);
    });
    ws.on("close", () => this.failAll("the control channel closed"));
  }

  /** Sends a request and resolves with the result, or rejects on an error answer, timeout or close. */
  call(op: string, args: unknown, timeoutMs = 30_000): Promise<unknown> {
    if (this.closed)
      return Promise.reject(new ChannelRequestError("broker_unavailable", "the control channel is closed"));
    const id = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ChannelRequestError("timeout", `${op} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ t: "req", id, op, args });
    });
  }

  emit(name: string, data: unknown): void {
    this.send({ t: "evt", name, data });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  private dispatch(message: ChannelMessage): void {
    if (message.t === "req") void this.answer(message.id, message.op, message.args);
    else if (message.t === "res") {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.result);
      else
        pending.reject(
          new ChannelRequestError(
            message.error?.code ?? "internal",
            message.error?.message ?? "the broker reported an error",
          ),
        );
    } else if (message.t === "evt") this.handlers.onEvent(message.name, message.data);
  }

  private async answer(id: string, op: string, args: unknown): Promise<void> {
    try {
      const result = await this.handlers.onRequest(op, args);
      this.send({ t: "res", id, ok: true, result: result ?? null });
    } catch (err) {
      const error: ChannelError =
        err instanceof ChannelRequestError
          ? { code: err.code, message: err.message }
          : { code: "internal", message: (err as Error).message ?? String(err) };
      this.send({ t: "res", id, ok: false, error });
    }
  }

  private send(message: ChannelMessage): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    for (const frame of encodeFrames(message, () => crypto.randomUUID())) this.ws.send(frame);
  }

  private failAll(reason: string): void {
    this.closed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ChannelRequestError("broker_unavailable", reason));
      this.pending.delete(id);
    }
  }
}
