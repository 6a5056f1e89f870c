import { importJWK, type CryptoKey, type JWK } from "jose";
import type { Logger } from "../../log/create-logger";

export interface JwksCacheOptions {
  url: string;
  logger: Logger;
  /** Refetch after this age even when every kid is known (key rotation). */
  refreshAfterMs?: number;
  /** Never fetch more often than this, however many unknown kids arrive. */
  minIntervalMs?: number;
  fetchTimeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * IAP's signing keys. Fetched lazily on first use, refetched when older than refreshAfterMs or
 * when a token names an unknown kid — but at most one fetch in flight and none sooner than
 * minIntervalMs after the last, so a storm of forged kids cannot make the hub hammer Google.
 * A failed fetch keeps the last good keys. Only ES256 P-256 keys are accepted.
 */
export class JwksCache {
  private keys = new Map<string, CryptoKey>();
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private inFlight: Promise<void> | undefined;
  private readonly opts: Required<Omit<JwksCacheOptions, "logger">> & { logger: Logger };

  constructor(opts: JwksCacheOptions) {
    this.opts = {
      refreshAfterMs: 60 * 60 * 1000,
      minIntervalMs: 30_000,
      fetchTimeoutMs: 10_000,
      fetch: globalThis.fetch.bind(globalThis),
      now: Date.now,
      ...opts,
    };
  }

  /** Fetches attempted so far (for tests and metrics). */
  fetchCount = 0;

  /** The key for a kid, refreshing first when the set is stale or lacks it (rate-limited). */
  async getKey(kid: string): Promise<CryptoKey | undefined> {
    const now = this.opts.now();
    const mayFetch = now - this.attemptedAt >= this.opts.minIntervalMs;
    if (this.keys.has(kid)) {
      // A known key answers at once; a stale set is refreshed behind the request.
      if (mayFetch && now - this.fetchedAt > this.opts.refreshAfterMs) void this.refresh();
      return this.keys.get(kid);
    }
    if (mayFetch) await this.refresh();
    else if (this.inFlight) await this.inFlight;
    return this.keys.get(kid);
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.attemptedAt = this.opts.now();
    this.fetchCount++;
    try {
      const res = await this.opts.fetch(this.opts.url, { signal: AbortSignal.timeout(this.opts.fetchTimeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { keys?: JWK[] };
      if (!Array.isArray(body.keys)) throw new Error("no keys array");
      const next = new Map<string, CryptoKey>();
      for (const jwk of body.keys) {
        if (typeof jwk.kid !== "string" || jwk.kty !== "EC" || jwk.crv !== "P-256" || (jwk.alg && jwk.alg !== "ES256"))
          continue;
        next.set(jwk.kid, (await importJWK({ ...jwk, alg: "ES256" }, "ES256")) as CryptoKey);
      }
      if (next.size === 0) throw new Error("no usable ES256 keys");
      this.keys = next;
      this.fetchedAt = this.opts.now();
    } catch (err) {
      this.opts.logger.warn(
        { url: this.opts.url, err: (err as Error).message, keptKeys: this.keys.size },
        "IAP JWKS fetch failed; keeping the last good keys",
      );
    }
  }
}
