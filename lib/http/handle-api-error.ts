import { ZodError } from "zod";
import type { Logger } from "../log/create-logger";
import { ApiError, type ErrorEnvelope } from "./api-error";

const MAX_DETAILS = 50;

/**
 * Maps anything thrown by a handler to the API envelope and a status: our ApiError as is, a zod
 * error to 400 with per-field details, Prisma's "not found" (P2025) to 404 and unique violation
 * (P2002) to 409. Anything else is a 500 with a generic message; its cause is logged, not sent.
 */
export function handleApiError(
  err: unknown,
  logger?: Logger,
): { status: number; body: ErrorEnvelope; headers?: Record<string, string> } {
  if (err instanceof ApiError) {
    const body: ErrorEnvelope = {
      error: { code: err.code, message: err.message, ...(err.details !== undefined && { details: err.details }) },
    };
    return { status: err.status, body, ...(err.headers && { headers: err.headers }) };
  }
  if (err instanceof ZodError) {
    // The first issues say what is wrong; thousands of them (a very wide body) would only be a big answer.
    const details = err.issues.slice(0, MAX_DETAILS).map((i) => ({ path: i.path.join("."), message: i.message }));
    return { status: 400, body: { error: { code: "validation_error", message: "The request is invalid.", details } } };
  }
  const prismaCode = (err as { code?: unknown })?.code;
  if (prismaCode === "P2025") return { status: 404, body: { error: { code: "not_found", message: "Not found." } } };
  if (prismaCode === "P2002")
    return { status: 409, body: { error: { code: "conflict", message: "It already exists." } } };
  logger?.error({ err }, "unhandled error in request");
  return { status: 500, body: { error: { code: "internal", message: "Internal error." } } };
}
