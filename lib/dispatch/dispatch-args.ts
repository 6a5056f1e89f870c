import { KEY_LABELS } from "../auth/derive-key";
import { openWith, sealWith } from "../brokers/secret-box";

/**
 * An intent's args column: its arguments sealed (a start carries the agent's env and token), or
 * for intents written before sealing, `args` in clear; and the broker call's timeout. Both kinds
 * are replaced by `{}` once the intent is done or failed.
 */
export interface StoredDispatchArgs {
  sealed?: string;
  args?: unknown;
  timeoutMs?: number | null;
}

export function sealDispatchArgs(rootSecret: string, args: unknown, timeoutMs?: number): StoredDispatchArgs {
  return {
    sealed: sealWith(rootSecret, KEY_LABELS.dispatchArgs, JSON.stringify(args ?? {})),
    timeoutMs: timeoutMs ?? null,
  };
}

/** The arguments of an intent, opened for its run. */
export function openDispatchArgs(rootSecret: string, stored: StoredDispatchArgs): unknown {
  return stored.sealed ? JSON.parse(openWith(rootSecret, KEY_LABELS.dispatchArgs, stored.sealed)) : (stored.args ?? {});
}
