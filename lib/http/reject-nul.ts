import { ApiError } from "./api-error";

/**
 * Postgres text cannot hold U+0000, so a string carrying one would fail deep in a query as a 500.
 * Every value from outside passes through here first and is refused as a 400 instead.
 */
export function rejectNul(value: unknown, path = ""): void {
  if (typeof value === "string") {
    if (value.includes("\u0000"))
      throw new ApiError("validation_error", "The request is invalid.", [
        { path: path || "(body)", message: "must not contain NUL characters" },
      ]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => rejectNul(v, path ? `${path}.${i}` : String(i)));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      rejectNul(k, path);
      rejectNul(v, path ? `${path}.${k}` : k);
    }
  }
}
