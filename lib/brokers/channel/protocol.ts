import { z } from "zod";

/**
 * The hub ↔ broker control channel, shared by both ends. Text frames carry JSON messages (never
 * terminal bytes: each terminal has a tunnel of its own, see TUNNEL_PATH). Requests carry an id and are
 * answered in any order, so a slow operation never holds up the others. A message whose JSON is
 * larger than PART_SIZE travels as numbered parts that the receiver joins.
 */
export const PART_SIZE = 256 * 1024;
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
export const CHANNEL_PATH = "/api/v1/runtime-brokers/connect";
/**
 * A browser terminal's own connection: the broker dials it (signed like the channel, `?stream=N`)
 * when the hub asks with `pty.open`; the hub switches it to raw bytes and joins it to the browser's
 * socket, so the browser's WebSocket ends at the broker and the hub forwards bytes without reading frames.
 */
export const TUNNEL_PATH = "/api/v1/runtime-brokers/terminal-tunnel";
export const TUNNEL_PROTOCOL = "scion-terminal";
/** The hub's answer that turns a broker's tunnel request into raw bytes. */
export const TUNNEL_SWITCHED = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${TUNNEL_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`;

const id = z.string().min(1).max(64);
const errorShape = z.object({ code: z.string().max(64), message: z.string().max(4096) });

export const channelMessage = z.discriminatedUnion("t", [
  z.object({ t: z.literal("req"), id, op: z.string().min(1).max(64), args: z.unknown() }),
  z.object({ t: z.literal("res"), id, ok: z.boolean(), result: z.unknown().optional(), error: errorShape.optional() }),
  z.object({ t: z.literal("evt"), name: z.string().min(1).max(64), data: z.unknown() }),
  z.object({
    t: z.literal("part"),
    id,
    seq: z.number().int().min(0).max(1024),
    last: z.boolean(),
    data: z.string().max(PART_SIZE),
  }),
]);

export type ChannelMessage = z.infer<typeof channelMessage>;
export type ChannelError = z.infer<typeof errorShape>;

/** Serialises a message into one frame, or several `part` frames when it is large. */
export function encodeFrames(message: ChannelMessage, nextPartId: () => string): string[] {
  const text = JSON.stringify(message);
  if (text.length <= PART_SIZE) return [text];
  const partId = nextPartId();
  const frames: string[] = [];
  for (let offset = 0, seq = 0; offset < text.length; offset += PART_SIZE, seq++) {
    frames.push(
      JSON.stringify({
        t: "part",
        id: partId,
        seq,
        last: offset + PART_SIZE >= text.length,
        data: text.slice(offset, offset + PART_SIZE),
      }),
    );
  }
  return frames;
}

/**
 * Reassembles parts and validates every message. Returns the complete message, null while parts
 * are still arriving, or throws on a malformed frame (the caller closes the channel).
 */
export class FrameDecoder {
  private partial = new Map<string, { chunks: string[]; size: number }>();

  decode(frame: string): ChannelMessage | null {
    const message = channelMessage.parse(JSON.parse(frame));
    if (message.t !== "part") return message;
    const entry = this.partial.get(message.id) ?? { chunks: [], size: 0 };
    if (message.seq !== entry.chunks.length)
      throw new Error(`part ${message.seq} of ${message.id} arrived out of order`);
    entry.chunks.push(message.data);
    entry.size += message.data.length;
    if (entry.size > MAX_MESSAGE_BYTES) throw new Error("message too large");
    if (!message.last) {
      this.partial.set(message.id, entry);
      return null;
    }
    this.partial.delete(message.id);
    const whole = channelMessage.parse(JSON.parse(entry.chunks.join("")));
    if (whole.t === "part") throw new Error("nested parts");
    return whole;
  }
}
