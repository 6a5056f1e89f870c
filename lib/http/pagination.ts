import { z } from "zod";
import { ApiError } from "./api-error";
import { rejectNul } from "./reject-nul";

/** `?limit` (1-500, default 50) and `?cursor` (opaque), as every list in API.md takes them. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** An opaque cursor: the sort key and id of the last item served, base64url JSON. */
export function encodeCursor(key: string | number | null, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString("base64url");
}

export function decodeCursor(cursor: string): { key: string | number | null; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[1] === "string") {
      const [key, id] = value as [unknown, string];
      if (key === null || typeof key === "string" || typeof key === "number") return { key, id };
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/** The answer to a cursor that does not decode or does not fit the list's sort. */
export function invalidCursor(): ApiError {
  return new ApiError("validation_error", "The cursor is not valid; start again without it.", [
    { path: "cursor", message: "invalid cursor" },
  ]);
}

/** Turns limit+1 fetched rows into a page, with the cursor of its last item when more remain. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (row: R) => string): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.map(map), nextCursor: more && items.length ? cursorOf(items[items.length - 1]!) : null };
}

/** URLSearchParams as a plain object for zod; a repeated key keeps its last value. */
export function queryOf(req: Request): Record<string, string> {
  const query = Object.fromEntries(new URL(req.url).searchParams.entries());
  rejectNul(query);
  return query;
}
