import { principalId, type Principal } from "../auth/principal";
import type { HubConfig } from "../config/schema";
import { ApiError } from "./api-error";

/**
 * Rate limits: sign-in attempts per client address, API token and agent creation per caller,
 * and open event streams per caller. Over a limit the answer is 429 `rate_limited` with
 * Retry-After (seconds) and the same figure in `details.retryAfterSeconds`.
 *
 * The counts live in memory, per replica (one RateLimiter in HubRuntime). These limits bound
 * abuse (a script guessing at sign-in, a runaway agent spawning agents, a leak of open streams);
 * they do not meter anything, so a bound that is N times looser behind N replicas still does its
 * job. In exchange a refused flood costs no database write (in Postgres every attempt would be a
 * write on the one database all replicas share), and a replica that dies takes its stream counts
 * with it instead of leaving them behind in a table. The exact, cross-replica bound on how many
 * agents a person may have is the agent quota, not this.
 *
 * Windows are token buckets: up to `limit` attempts at once, refilled evenly over the window, so
 * a caller over the limit waits until the next attempt is due, not for a whole window.
 */
export type RateLimitName = "signIn" | "tokenCreate" | "agentCreate";

const RULES: Record<
  RateLimitName,
  { setting: "signInsPerMinute" | "tokensPerHour" | "agentCreationsPerMinute"; windowMs: number; message: string }
> = {
  signIn: { setting: "signInsPerMinute", windowMs: 60_000, message: "Too many sign-in attempts from this address." },
  tokenCreate: { setting: "tokensPerHour", windowMs: 3_600_000, message: "Too many API tokens created." },
  agentCreate: { setting: "agentCreationsPerMinute", windowMs: 60_000, message: "Too many agents created." },
};

/** How long a caller with too many open event streams is asked to wait before trying again. */
export const STREAM_RETRY_AFTER_SECONDS = 30;
/** Above this many buckets, full ones (worth nothing) are dropped; above the hard cap, the least recently used too. */
const SOFT_MAX_BUCKETS = 10_000;
const HARD_MAX_BUCKETS = 100_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  /** By `<limit>:<key>`, least recently used first (a use re-inserts). */
  private readonly buckets = new Map<string, Bucket>();
  private readonly streams = new Map<string, number>();
  private lastPrune = -Infinity;

  constructor(
    private readonly limits: HubConfig["rateLimits"],
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts one attempt against `key`: 0 when it may go ahead, else the seconds until one may. */
  take(name: RateLimitName, key: string): number {
    const limit = this.limits[RULES[name].setting];
    if (limit === 0) return 0;
    const perMs = limit / RULES[name].windowMs;
    const now = this.now();
    const id = `${name}:${key}`;
    const bucket = this.buckets.get(id);
    const tokens = bucket ? Math.min(limit, bucket.tokens + (now - bucket.at) * perMs) : limit;
    // A refused attempt costs nothing: the caller waits for the refill, no longer.
    if (tokens < 1) return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
    this.buckets.delete(id);
    this.buckets.set(id, { tokens: tokens - 1, at: now });
    if (this.buckets.size > SOFT_MAX_BUCKETS) this.prune(now);
    return 0;
  }

  /** Counts an open event stream of `key`: its release (idempotent), or null when `key` has too many open. */
  openStream(key: string): (() => void) | null {
    const open = this.streams.get(key) ?? 0;
    const limit = this.limits.eventStreams;
    if (limit > 0 && open >= limit) return null;
    this.streams.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.streams.get(key) ?? 1) - 1;
      if (left > 0) this.streams.set(key, left);
      else this.streams.delete(key);
    };
  }

  /** How many event streams `key` has open on this replica. */
  openStreams(key: string): number {
    return this.streams.get(key) ?? 0;
  }

  /** How many buckets are held (memory stays bounded whatever callers send). */
  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    // At most once a second: a flood of distinct keys must not make every attempt a full scan.
    if (now - this.lastPrune >= 1000) {
      this.lastPrune = now;
      for (const [id, b] of this.buckets) {
        const rule = RULES[id.slice(0, id.indexOf(":")) as RateLimitName];
        const limit = this.limits[rule.setting];
        if (b.tokens + (now - b.at) * (limit / rule.windowMs) >= limit) this.buckets.delete(id);
      }
    }
    // Still too many: drop the least recently used tenth at once (one by one would rescan each time).
    if (this.buckets.size > HARD_MAX_BUCKETS) {
      let drop = this.buckets.size - HARD_MAX_BUCKETS * 0.9;
      for (const id of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(id);
      }
    }
  }
}

/** The 429 envelope: code `rate_limited`, Retry-After in seconds, the same in details. */
export function rateLimited(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError(
    "rate_limited",
    `${message} Try again in ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
    { "retry-after": String(retryAfterSeconds) },
  );
}

/** Counts one attempt of `name` for `key`, or throws 429 when `key` is over the limit. */
export function enforceRateLimit(limiter: RateLimiter, name: RateLimitName, key: string): void {
  const wait = limiter.take(name, key);
  if (wait > 0) throw rateLimited(RULES[name].message, wait);
}

/** Whose budget a caller spends: a person's own, or an agent's own (its sub-agents are bounded by the agent quota). */
export function callerKey(principal: Principal): string {
  return principalId(principal);
}
