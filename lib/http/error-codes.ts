/** The error codes of API.md and the HTTP status each one answers with. */
export const ERROR_STATUS = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** Over a configured limit (e.g. agents per person): retrying does not help until something is removed. */
  quota_exceeded: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  misdirected_request: 421,
  no_runtime_broker: 422,
  /** The request names something that exists but does not fit (an answer's replyTo that is not the agent's message to people). */
  invalid_reference: 422,
  /** The harness needs credentials no secret (or the agent's own env) provides: nothing was started. */
  missing_credentials: 422,
  /** Device sign-in (`scion login`): nobody has approved the code yet; poll again after the interval. */
  authorization_pending: 428,
  /** Device sign-in: polled faster than the interval; wait longer. */
  slow_down: 429,
  /** Device sign-in: the device code expired, was used, or never existed; start again. */
  expired_token: 400,
  rate_limited: 429,
  internal: 500,
  broker_unavailable: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
