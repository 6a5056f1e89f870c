import { ApiError } from "./api-error";

/** No request body of the API nests deeper than a few levels or holds more than a few hundred items. */
export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_ENTRIES = 10_000;

/**
 * Refuses hostile JSON shapes before JSON.parse builds them: nesting deeper than MAX_JSON_DEPTH
 * (a few thousand nested arrays blow the stack of the recursive code that walks parsed values)
 * and arrays or objects with more than MAX_JSON_ENTRIES items (each becomes a zod issue). One pass
 * over the text, strings skipped; malformed text is left for JSON.parse to report.
 */
export function checkJsonShape(text: string): void {
  const counts: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      // [ or {
      if (counts.length >= MAX_JSON_DEPTH) throw shapeError(`must not nest deeper than ${MAX_JSON_DEPTH} levels`);
      counts.push(0);
    } else if (c === 0x5d || c === 0x7d) counts.pop();
    else if (c === 0x2c && counts.length > 0) {
      // a comma separates one more item of the innermost array or object
      const n = (counts[counts.length - 1] ?? 0) + 1;
      if (n >= MAX_JSON_ENTRIES)
        throw shapeError(`arrays and objects must not hold more than ${MAX_JSON_ENTRIES} items`);
      counts[counts.length - 1] = n;
    }
  }
}

function shapeError(message: string): ApiError {
  return new ApiError("validation_error", "The request is invalid.", [{ path: "(body)", message }]);
}
