import type { IncomingMessage } from "node:http";
import net from "node:net";

/**
 * The header server.ts sets on every request for Next.js route handlers, which cannot see the
 * socket: the caller's address as rate limits key it. Any incoming value is overwritten first.
 */
export const CLIENT_ADDRESS_HEADER = "x-scion-client-address";

/**
 * Where a request came from: the socket's peer, or behind `trustedHops` reverse proxies that each
 * append to X-Forwarded-For, the entry the outermost trusted proxy wrote. Entries left of that
 * are the client's own claims: trusting them would let a caller buy a fresh bucket per request.
 */
export function clientAddressOf(req: IncomingMessage, trustedHops: number): string {
  const peer = req.socket.remoteAddress ?? "unknown";
  if (trustedHops <= 0) return addressKey(peer);
  const raw = req.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(raw) ? raw.join(",") : (raw ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  // Nearest first: the peer, then what each proxy appended, right to left.
  const chain = [peer, ...forwarded.reverse()];
  return addressKey(chain[Math.min(trustedHops, chain.length - 1)]!);
}

/**
 * One key per client: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 — one host usually
 * holds a whole /64, so per-address keys would let it rotate through billions of buckets.
 */
export function addressKey(address: string): string {
  let a = address.trim().replace(/^\[|\]$/g, "");
  if (/^::ffff:/i.test(a) && net.isIPv4(a.slice(7))) a = a.slice(7);
  if (net.isIPv4(a)) return a;
  if (net.isIPv6(a)) return `${ipv6Groups(a.split("%")[0]!).slice(0, 4).join(":")}::/64`;
  return a.slice(0, 100);
}

/** The eight 16-bit groups of an IPv6 address, as lowercase hex without leading zeros. */
function ipv6Groups(a: string): string[] {
  const [head = "", tail] = a.split("::");
  const v4 = (g: string) => {
    const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = g.split(".").map(Number);
    return [((b0 << 8) | b1).toString(16), ((b2 << 8) | b3).toString(16)];
  };
  const part = (s: string) =>
    s
      .split(":")
      .filter(Boolean)
      .flatMap((g) => (g.includes(".") ? v4(g) : [g]));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.map((g) => parseInt(g, 16).toString(16));
}
