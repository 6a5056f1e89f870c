import type { z } from "zod";
import { ApiError } from "./api-error";
import { checkJsonShape } from "./json-shape";
import { rejectNul } from "./reject-nul";

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads at most 1 MiB of JSON and validates it. Malformed JSON, hostile shapes and schema
 * failures are 400s, oversize bodies 413, a body not sent as application/json 415; nothing
 * reaches the handler unless it parsed.
 */
export async function readJsonBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new ApiError("payload_too_large", `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  return parseJsonText(await readLimited(req), schema, req.headers.get("content-type"));
}

/**
 * JSON text (empty = no body) validated by a schema: 415 unless a body came as application/json,
 * 400 for bad JSON, hostile shapes, NULs or schema failures.
 */
export function parseJsonText<S extends z.ZodType>(
  text: string,
  schema: S,
  contentType: string | null | undefined,
): z.output<S> {
  if (text.length) requireJsonContentType(contentType);
  checkJsonShape(text);
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

/**
 * A body must say it is JSON. Browsers send text/plain, form and multipart bodies to any site
 * without asking it first (no CORS preflight), so accepting only application/json also keeps
 * other sites' forms out.
 */
function requireJsonContentType(contentType: string | null | undefined): void {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json")
    throw new ApiError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
}
