import { z } from "zod";
import { ChannelRequestError } from "../lib/brokers/channel/channel-peer";
import { decodeStreamFrame, encodeStreamFrame, STREAM_CHUNK } from "../lib/brokers/channel/protocol";
import type { Logger } from "../lib/log/create-logger";
import type { AgentRuntime, TerminalProcess } from "./runtimes/agent-runtime";

/**
 * Output a terminal may have in flight (sent to the hub, not yet acknowledged as written to the
 * browser) before the PTY is paused. tmux stops reading its pane's output when its client does
 * not read, so a flood (`yes`) costs at most this much memory per terminal, end to end.
 */
export const PTY_WINDOW_BYTES = 256 * 1024;

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
const ptyResize = z
  .object({ stream: z.number().int(), cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(500) })
  .strict();
const ptyAck = z.object({ stream: z.number().int(), bytes: z.number().int().min(0) }).strict();
const ptyClose = z.object({ stream: z.number().int() }).strict();

interface Terminal {
  proc: TerminalProcess;
  unacked: number;
  paused: boolean;
}

export interface PtyTransport {
  sendBinary(frame: Buffer): boolean;
  emit(name: string, data: unknown): void;
}

/**
 * The broker's end of browser terminals. `pty.open` attaches a terminal to the agent's tmux
 * session through its runtime (a PTY running `tmux attach`, or a TTY exec in the container; so a reconnect is a fresh attach that tmux redraws with the current screen); its
 * output goes to the hub as binary frames on the stream; input, resize, acknowledgements and
 * close come back as frames and events. Closing a terminal only detaches: the session lives on.
 */
export class PtyRelay {
  private terminals = new Map<number, Terminal>();

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly transport: PtyTransport,
    private readonly logger: Logger,
  ) {}

  get openCount(): number {
    return this.terminals.size;
  }

  async open(raw: unknown): Promise<{ opened: true }> {
    const args = ptyOpenArgs.parse(raw);
    if (!(await this.runtime.isRunning(args.agentId)))
      throw new ChannelRequestError("conflict", "the agent's session is not running");
    this.close(args.stream);
    const proc = await this.runtime.openTerminal(args.agentId, { cols: args.cols, rows: args.rows });
    const terminal: Terminal = { proc, unacked: 0, paused: false };
    this.terminals.set(args.stream, terminal);
    proc.onData((bytes) => {
      for (let offset = 0; offset < bytes.length; offset += STREAM_CHUNK) {
        const chunk = bytes.subarray(offset, offset + STREAM_CHUNK);
        if (!this.transport.sendBinary(encodeStreamFrame(args.stream, chunk))) return this.close(args.stream);
        terminal.unacked += chunk.length;
      }
      if (terminal.unacked >= PTY_WINDOW_BYTES && !terminal.paused) {
        terminal.paused = true;
        proc.pause();
      }
    });
    proc.onExit(() => {
      if (this.terminals.get(args.stream) !== terminal) return;
      this.terminals.delete(args.stream);
      this.transport.emit("pty.closed", { stream: args.stream, reason: "the terminal session ended" });
    });
    this.logger.debug({ stream: args.stream, agentId: args.agentId }, "terminal attached");
    return { opened: true };
  }

  /** Input from the browser, as a binary frame. */
  input(frame: Buffer): void {
    const decoded = decodeStreamFrame(frame);
    if (!decoded) return;
    const terminal = this.terminals.get(decoded.stream);
    if (terminal) terminal.proc.write(decoded.payload);
  }

  /** Terminal control events from the hub; false when the event is not a terminal's. */
  onEvent(name: string, data: unknown): boolean {
    if (name === "pty.resize") {
      const parsed = ptyResize.safeParse(data);
      if (parsed.success) this.terminals.get(parsed.data.stream)?.proc.resize(parsed.data.cols, parsed.data.rows);
    } else if (name === "pty.ack") {
      const parsed = ptyAck.safeParse(data);
      const terminal = parsed.success ? this.terminals.get(parsed.data.stream) : undefined;
      if (terminal && parsed.success) {
        terminal.unacked = Math.max(0, terminal.unacked - parsed.data.bytes);
        if (terminal.paused && terminal.unacked < PTY_WINDOW_BYTES / 2) {
          terminal.paused = false;
          terminal.proc.resume();
        }
      }
    } else if (name === "pty.close") {
      const parsed = ptyClose.safeParse(data);
      if (parsed.success) this.close(parsed.data.stream);
    } else return false;
    return true;
  }

  close(stream: number): void {
    const terminal = this.terminals.get(stream);
    if (!terminal) return;
    this.terminals.delete(stream);
    terminal.proc.kill();
  }

  /** The control channel went away: every terminal attached through it detaches. */
  closeAll(): void {
    for (const stream of [...this.terminals.keys()]) this.close(stream);
  }
}
