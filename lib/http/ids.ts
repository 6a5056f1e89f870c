import { z } from "zod";
import { ApiError } from "./api-error";

const uuid = z.uuid();

/** A path id that is not a UUID names nothing: the same 404 as an id that does not exist. */
export function parseId(value: string | undefined, what: string): string {
  if (value === undefined || !uuid.safeParse(value).success) throw new ApiError("not_found", `No such ${what}.`);
  return value.toLowerCase();
}
