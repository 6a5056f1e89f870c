import http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { z } from "zod";
import { ChannelRequestError } from "../lib/brokers/channel/channel-peer";
import { keepAlive } from "../lib/http/keep-alive";
import type { Logger } from "../lib/log/create-logger";
import { CONTROL_FRAME_ERROR, parseControlFrame } from "../lib/terminal/control-frames";
import type { AgentRuntime, TerminalProcess } from "./runtimes/agent-runtime";

/**
 * Output a terminal may have in flight (handed to its socket, not yet written out) before the PTY
 * is paused. tmux stops reading its pane's output when its client does not read, so a flood
 * (`yes`) costs at most this much memory per terminal here, plus the kernel's and the hub's socket
 * buffers on the way.
 */
export const PTY_WINDOW_BYTES = 256 * 1024;
/** How long the browser's WebSocket handshake may take to arrive through a fresh tunnel. */
const HANDSHAKE_MS = 10_000;
const PING_MS = 30_000;

export const ptyOpenArgs = z
  .object({
    stream: z
      .number()
      .int()
      .min(1)
      .max(2 ** 32 - 1),
    agentId: z.uuid(),
    cols: z.number().int().min(2).max(1000),
    rows: z.number().int().min(2).max(500),
  })
  .strict();
const ptyClose = z
  .object({
    stream: z.number().int(),
    code: z.union([z.literal(1000), z.literal(1001), z.literal(1011), z.number().int().min(4000).max(4999)]).optional(),
    reason: z.string().max(120).optional(),
  })
  .strict();

interface Terminal {
  ws: WebSocket;
  proc?: TerminalProcess;
}

export interface PtyTransport {
  /**
   * Dials the hub's terminal tunnel for a stream (lib/brokers/channel/protocol.ts, TUNNEL_PATH):
   * the raw socket once the hub switched protocols, and any bytes that came with the switch.
   */
  dialTunnel(stream: number): Promise<{ socket: Duplex; head: Buffer }>;
}

/**
 * The broker's end of browser terminals. `pty.open` dials a tunnel to the hub, through which the
 * hub joins the browser's own socket: the browser's WebSocket handshake and frames arrive here
 * untouched, so the browser's WebSocket ends at the broker (binary frames are keys and output,
 * text frames JSON control: lib/terminal/control-frames.ts) and the hub only forwards bytes.
 * Each terminal is the agent's tmux session attached through its runtime (a PTY running
 * `tmux attach`, or a TTY exec in the container), so a reconnect is a fresh attach that tmux
 * redraws with the current screen. Closing a terminal only detaches: the session lives on.
 */
export class PtyRelay {
  private terminals = new Map<number, Terminal>();
  /** Parses the browser's upgrade request arriving through a tunnel; never listens. */
  private readonly requests = http.createServer();
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly handshakes = new Map<Duplex, (ws: WebSocket) => void>();

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly transport: PtyTransport,
    private readonly logger: Logger,
  ) {
    this.requests.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const accepted = this.handshakes.get(socket);
      if (!accepted) return socket.destroy();
      this.sockets.handleUpgrade(req, socket, head, accepted);
    });
    this.requests.on("request", (_req, res: http.ServerResponse) => res.destroy());
  }

  get openCount(): number {
    return this.terminals.size;
  }

  /**
   * Attaches a terminal for the hub: refused (nothing dialed) when the agent's session is not
   * running; otherwise resolves once the browser's WebSocket is open here and attached, or
   * closed with 4409 when attaching failed.
   */
  async open(raw: unknown): Promise<{ opened: true }> {
    const args = ptyOpenArgs.parse(raw);
    if (!(await this.runtime.isRunning(args.agentId)))
      throw new ChannelRequestError("conflict", "the agent's session is not running");
    this.close(args.stream);
    const ws = await this.acceptBrowser(args.stream);
    const terminal: Terminal = { ws };
    this.terminals.set(args.stream, terminal);
    // Keys typed before the PTY is up wait in the socket.
    ws.pause();
    const stopPinging = keepAlive(ws, PING_MS);
    ws.once("close", () => {
      stopPinging();
      if (this.terminals.get(args.stream) === terminal) this.terminals.delete(args.stream);
      terminal.proc?.kill();
    });
    ws.on("error", (err) => this.logger.debug({ stream: args.stream, err: err.message }, "terminal socket failed"));
    try {
      terminal.proc = await this.runtime.openTerminal(args.agentId, { cols: args.cols, rows: args.rows });
    } catch (err) {
      const message = (err as Error).message;
      this.logger.warn({ agentId: args.agentId, err: message }, "attaching a terminal failed");
      ws.close(4409, `cannot attach: ${message}`.slice(0, 120));
      throw new ChannelRequestError("conflict", `cannot attach: ${message}`);
    }
    if (ws.readyState !== ws.OPEN) {
      terminal.proc.kill();
      return { opened: true };
    }
    this.wire(ws, terminal.proc);
    ws.send(JSON.stringify({ type: "attached", agentId: args.agentId, cols: args.cols, rows: args.rows }));
    ws.resume();
    this.logger.debug({ stream: args.stream, agentId: args.agentId }, "terminal attached");
    return { opened: true };
  }

  /** The browser's WebSocket, through a tunnel dialed for the stream. */
  private async acceptBrowser(stream: number): Promise<WebSocket> {
    const { socket, head } = await this.transport.dialTunnel(stream);
    return new Promise<WebSocket>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.handshakes.delete(socket);
        socket.destroy();
        reject(new ChannelRequestError("timeout", "the browser's handshake did not arrive through the tunnel"));
      }, HANDSHAKE_MS);
      socket.once("close", () => {
        clearTimeout(timer);
        this.handshakes.delete(socket);
        reject(new ChannelRequestError("broker_unavailable", "the terminal tunnel closed before the handshake"));
      });
      this.handshakes.set(socket, (ws) => {
        clearTimeout(timer);
        this.handshakes.delete(socket);
        resolve(ws);
      });
      if (head.length > 0) socket.unshift(head);
      this.requests.emit("connection", socket);
    });
  }

  /** Keys and control frames to the PTY; its output to the browser, paused while too much is unwritten. */
  private wire(ws: WebSocket, proc: TerminalProcess): void {
    ws.on("message", (data: RawData, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) return proc.write(bytes);
      const control = parseControlFrame(bytes);
      if (!control) ws.send(CONTROL_FRAME_ERROR);
      else if (control.type === "resize") proc.resize(control.cols, control.rows);
      else ws.send(JSON.stringify({ type: "pong" }));
    });
    let unwritten = 0;
    let paused = false;
    proc.onData((bytes) => {
      if (ws.readyState !== ws.OPEN) return;
      unwritten += bytes.length;
      ws.send(bytes, { binary: true }, () => {
        unwritten -= bytes.length;
        if (paused && unwritten < PTY_WINDOW_BYTES / 2) {
          paused = false;
          proc.resume();
        }
      });
      if (!paused && unwritten >= PTY_WINDOW_BYTES) {
        paused = true;
        proc.pause();
      }
    });
    proc.onExit(() => ws.close(1000, "the terminal session ended"));
  }

  /** Terminal control events from the hub; false when the event is not a terminal's. */
  onEvent(name: string, data: unknown): boolean {
    if (name !== "pty.close") return false;
    const parsed = ptyClose.safeParse(data);
    if (parsed.success) this.close(parsed.data.stream, parsed.data.code, parsed.data.reason);
    return true;
  }

  /** Detaches a terminal: its socket closes (with the hub's code and reason, if it gave them). */
  close(stream: number, code = 1000, reason = "closed"): void {
    const terminal = this.terminals.get(stream);
    if (!terminal) return;
    this.terminals.delete(stream);
    terminal.proc?.kill();
    terminal.ws.close(code, reason);
  }

  /** The control channel went away: every terminal attached through it detaches. */
  closeAll(): void {
    for (const stream of [...this.terminals.keys()]) this.close(stream, 1011, "the runtime broker lost the hub");
  }
}
