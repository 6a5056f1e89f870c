import type { IncomingMessage } from "node:http";
import type { z } from "zod";
import { ApiError } from "../http/api-error";
import { MAX_BODY_BYTES, parseJsonText } from "../http/read-json-body";

/** readJsonBody for raw Node requests (the machine routes): 1 MiB cap, application/json only, 400 on bad JSON, shape or schema. */
export async function readNodeJson<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.output<S>> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES)
    throw new ApiError("payload_too_large", `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError("payload_too_large", `The body exceeds ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return parseJsonText(Buffer.concat(chunks).toString("utf8"), schema, req.headers["content-type"]);
}
