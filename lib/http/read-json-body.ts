import type { z } from "zod";
import { ApiError } from "./api-error";
import { rejectNul } from "./reject-nul";

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads at most 1 MiB of JSON and validates it. Malformed JSON and schema failures are 400s,
 * oversize bodies 413; nothing reaches the handler unless it parsed.
 */
export async function readJsonBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new ApiError("payload_too_large", `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  return parseJsonText(await readLimited(req), schema);
}

/** JSON text (empty = no body) validated by a schema: 400 for bad JSON, NULs or schema failures. */
export function parseJsonText<S extends z.ZodType>(text: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = text.length ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError("validation_error", "The body is not valid JSON.");
  }
  rejectNul(value);
  return schema.parse(value);
}

async function readLimited(req: Request): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new ApiError("payload_too_large", `The body exceeds ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
