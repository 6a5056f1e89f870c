import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { addressKey, clientAddressOf } from "../../../../lib/http/client-address";
import { ApiError } from "../../../../lib/http/api-error";
import { enforceRateLimit, RateLimiter } from "../../../../lib/http/rate-limit";

const LIMITS = {
  signInsPerMinute: 10,
  tokensPerHour: 20,
  agentCreationsPerMinute: 60,
  eventStreams: 2,
  trustedProxyHops: 0,
};

function limiterAt(limits = LIMITS) {
  const clock = { ms: 0 };
  return { clock, limiter: new RateLimiter(limits, () => clock.ms) };
}

describe("RateLimiter", () => {
  it("lets a burst of `limit` through, then refuses until the next attempt is due, and says how long that is", () => {
    const { clock, limiter } = limiterAt();
    for (let i = 0; i < 10; i++) expect(limiter.take("signIn", "1.2.3.4")).toBe(0);
    // 10 a minute refill one every 6 s.
    expect(limiter.take("signIn", "1.2.3.4")).toBe(6);
    clock.ms = 4_500;
    expect(limiter.take("signIn", "1.2.3.4")).toBe(2);
    clock.ms = 6_000;
    expect(limiter.take("signIn", "1.2.3.4")).toBe(0);
    expect(limiter.take("signIn", "1.2.3.4")).toBe(6);
    // Refused attempts cost nothing: a full window later the whole burst is back.
    clock.ms = 66_000;
    for (let i = 0; i < 10; i++) expect(limiter.take("signIn", "1.2.3.4")).toBe(0);
    expect(limiter.take("signIn", "1.2.3.4")).toBeGreaterThan(0);
  });

  it("keeps each key and each limit apart", () => {
    const { limiter } = limiterAt();
    for (let i = 0; i < 20; i++) expect(limiter.take("tokenCreate", "user:a")).toBe(0);
    // 20 an hour: one every 180 s.
    expect(limiter.take("tokenCreate", "user:a")).toBe(180);
    expect(limiter.take("tokenCreate", "user:b")).toBe(0);
    expect(limiter.take("agentCreate", "user:a")).toBe(0);
  });

  it("0 turns a limit off", () => {
    const { limiter } = limiterAt({ ...LIMITS, agentCreationsPerMinute: 0, eventStreams: 0 });
    for (let i = 0; i < 1000; i++) expect(limiter.take("agentCreate", "user:a")).toBe(0);
    expect(Array.from({ length: 100 }, () => limiter.openStream("user:a")).every(Boolean)).toBe(true);
  });

  it("enforceRateLimit throws 429 rate_limited with Retry-After and the same figure in details", () => {
    const { limiter } = limiterAt();
    for (let i = 0; i < 60; i++) enforceRateLimit(limiter, "agentCreate", "user:a");
    let thrown: unknown;
    try {
      enforceRateLimit(limiter, "agentCreate", "user:a");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const err = thrown as ApiError;
    expect([err.status, err.code, err.details, err.headers]).toEqual([
      429,
      "rate_limited",
      { retryAfterSeconds: 1 },
      { "retry-after": "1" },
    ]);
  });

  it("counts open streams per key; a release frees the slot once, however often it is called", () => {
    const { limiter } = limiterAt();
    const first = limiter.openStream("user:a")!;
    const second = limiter.openStream("user:a")!;
    expect(limiter.openStream("user:a")).toBeNull();
    expect(limiter.openStream("user:b")).not.toBeNull();
    first();
    first();
    expect(limiter.openStreams("user:a")).toBe(1);
    const third = limiter.openStream("user:a");
    expect(third).not.toBeNull();
    expect(limiter.openStream("user:a")).toBeNull();
    second();
    third!();
    expect(limiter.openStreams("user:a")).toBe(0);
  });

  it("stays bounded in memory when every attempt comes from a new address", () => {
    const { clock, limiter } = limiterAt();
    for (let i = 0; i < 250_000; i++) {
      if (i % 1000 === 0) clock.ms += 10;
      limiter.take("signIn", `k${i}`);
    }
    expect(limiter.size).toBeLessThanOrEqual(100_000);
    // Buckets that refilled are worth nothing and go at the next prune.
    clock.ms += 61_000;
    limiter.take("signIn", "late");
    limiter.take("signIn", "later");
    expect(limiter.size).toBeLessThan(10);
  });
});

describe("client address", () => {
  const req = (remoteAddress: string, xff?: string) =>
    ({
      socket: { remoteAddress },
      headers: xff === undefined ? {} : { "x-forwarded-for": xff },
    }) as unknown as IncomingMessage;

  it("is the socket's peer unless proxies are trusted: a client's own X-Forwarded-For buys nothing", () => {
    expect(clientAddressOf(req("203.0.113.7", "198.51.100.1"), 0)).toBe("203.0.113.7");
    expect(clientAddressOf(req("::ffff:203.0.113.7"), 0)).toBe("203.0.113.7");
  });

  it("behind trusted proxies, is the entry the outermost trusted one appended, whatever the client prepended", () => {
    expect(clientAddressOf(req("10.0.0.2", "198.51.100.1"), 1)).toBe("198.51.100.1");
    expect(clientAddressOf(req("10.0.0.2", "6.6.6.6, 7.7.7.7, 198.51.100.1"), 1)).toBe("198.51.100.1");
    expect(clientAddressOf(req("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.1"), 2)).toBe("198.51.100.1");
    // Fewer entries than trusted hops: the farthest one there is.
    expect(clientAddressOf(req("10.0.0.2"), 1)).toBe("10.0.0.2");
  });

  it("groups IPv6 by /64, so one host cannot rotate through its addresses", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressKey("[2001:db8::5]")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
  });
});
