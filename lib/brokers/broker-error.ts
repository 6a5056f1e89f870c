import { ApiError } from "../http/api-error";

/**
 * A broker's refusal (the code of its ChannelRequestError, whether the call ran on this replica or
 * on the one holding the broker) as the API's error, with the broker's message: a broker that is
 * away or did not answer in time is broker_unavailable (503), arguments it refused are a
 * validation_error (400), and anything else it refused (not running, ports exhausted, start
 * failed, …) is a conflict (409).
 */
export function brokerApiError(code: string, message: string): ApiError {
  if (code === "broker_unavailable" || code === "timeout") return new ApiError("broker_unavailable", message);
  if (code === "validation_error") return new ApiError("validation_error", message);
  // A broker older than the operation: callers with another way round it look for this.
  if (code === "unsupported") return new ApiError("conflict", message, { brokerCode: "unsupported" });
  return new ApiError("conflict", message);
}
