import { z } from "zod";

/**
 * A browser terminal's text frames, read by the broker where the browser's WebSocket ends:
 * `{"type":"resize","cols","rows"}` and `{"type":"ping"}` (answered `{"type":"pong"}`); anything
 * else is answered with an error frame and otherwise ignored.
 */
export const terminalControlFrame = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("resize"),
      cols: z.number().int().min(2).max(1000),
      rows: z.number().int().min(2).max(500),
    })
    .strict(),
  z.object({ type: z.literal("ping") }).strict(),
]);

export type TerminalControlFrame = z.output<typeof terminalControlFrame>;

export const CONTROL_FRAME_ERROR = JSON.stringify({
  type: "error",
  message: 'control frames are {"type":"resize","cols":N,"rows":N} with cols 2-1000 and rows 2-500',
});

/** The frame parsed, or null when it is not one of the control frames. */
export function parseControlFrame(bytes: Buffer): TerminalControlFrame | null {
  try {
    const parsed = terminalControlFrame.safeParse(JSON.parse(bytes.toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
