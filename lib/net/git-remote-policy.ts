import dns from "node:dns/promises";
import net from "node:net";

/**
 * Which git remotes an agent's workspace may be cloned from. A project's remote is chosen by any
 * member, and the clone runs on a broker inside the company's network, so a remote pointing at
 * loopback, link-local (cloud metadata at 169.254.169.254), RFC 1918 / unique-local or CGNAT
 * addresses would let a member reach services nobody meant to expose. Such remotes are refused
 * unless an admin allows them (SCION_ALLOW_PRIVATE_GIT_REMOTES). The hub checks the remote's
 * literal host when a project is saved; the broker resolves it again right before cloning and
 * pins the checked address for HTTP(S), so DNS cannot be switched in between.
 *
 * Shared by the hub and the broker: pure, no hub state.
 */

export interface GitRemoteTarget {
  scheme: "http" | "https" | "ssh" | "git";
  host: string;
  /** The port the clone will connect to (the scheme's default when the URL has none). */
  port: number;
}

const INTERNAL = new net.BlockList();
for (const [prefix, bits] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  INTERNAL.addSubnet(prefix, bits, "ipv4");
}
for (const [prefix, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
  ["64:ff9b::", 96], // NAT64 (may embed any IPv4)
] as const) {
  INTERNAL.addSubnet(prefix, bits, "ipv6");
}

/** Names that mean "this machine" or the cloud's metadata service whatever DNS says. */
const INTERNAL_NAMES =
  /^(localhost|.*\.localhost|localhost\.localdomain|metadata|metadata\.google\.internal|.*\.internal|ip6-localhost|ip6-loopback)\.?$/i;

/** True for a host name that means this machine or the cloud's metadata service, whatever DNS says. */
export function isInternalName(host: string): boolean {
  return INTERNAL_NAMES.test(host);
}

/** True for an IP address only this machine or its private network can reach. */
export function isInternalAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, "");
  const family = net.isIP(ip);
  if (family === 4) return INTERNAL.check(ip, "ipv4");
  if (family === 6) {
    // IPv4-mapped and -compatible forms are the IPv4 address.
    const mapped = /^::(ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[2];
    if (mapped) return INTERNAL.check(mapped, "ipv4");
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
    if (hexMapped) {
      const hi = parseInt(hexMapped[1]!, 16);
      const lo = parseInt(hexMapped[2]!, 16);
      return INTERNAL.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, "ipv4");
    }
    return INTERNAL.check(ip, "ipv6");
  }
  return false;
}

/** The host and port a remote connects to; throws a sentence for remotes the hub does not clone. */
export function parseGitRemote(remote: string): GitRemoteTarget {
  const scp = /^([A-Za-z0-9._-]+)@(\[[^\]]+\]|[^:/\s]+):(?!\/\/)\S+$/.exec(remote);
  if (scp) return { scheme: "ssh", host: scp[2]!.replace(/^\[|\]$/g, "").toLowerCase(), port: 22 };
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    throw new Error("must be an http(s)://, ssh://, git:// or user@host:path remote");
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https" && scheme !== "ssh" && scheme !== "git")
    throw new Error(`the ${scheme}: scheme is not allowed for remotes (http, https, ssh or git)`);
  if (!url.hostname) throw new Error("the remote has no host");
  const defaults = { http: 80, https: 443, ssh: 22, git: 9418 } as const;
  return {
    scheme,
    host: url.hostname.replace(/^\[|\]$/g, "").toLowerCase(),
    port: url.port ? Number(url.port) : defaults[scheme],
  };
}

/**
 * The reason a remote's literal host is refused, or undefined when it may be cloned. Names are
 * not resolved here (the broker does that before cloning).
 */
export function literalRemoteRefusal(remote: string, allowPrivate: boolean): string | undefined {
  let target: GitRemoteTarget;
  try {
    target = parseGitRemote(remote);
  } catch (err) {
    return (err as Error).message;
  }
  if (allowPrivate) return undefined;
  if (isInternalAddress(target.host) || INTERNAL_NAMES.test(target.host)) return privateRefusal(target.host);
  return undefined;
}

export interface ResolvedRemote extends GitRemoteTarget {
  /** Addresses the host resolved to, all of them allowed. */
  addresses: string[];
}

/**
 * Resolves the remote's host and refuses it when any address is internal (unless allowed). The
 * addresses are returned so the clone can be pinned to them.
 */
export async function resolveGitRemote(
  remote: string,
  allowPrivate: boolean,
  lookup: (host: string) => Promise<string[]> = lookupAll,
): Promise<ResolvedRemote> {
  const target = parseGitRemote(remote);
  const refusal = literalRemoteRefusal(remote, allowPrivate);
  if (refusal) throw new Error(refusal);
  const addresses = net.isIP(target.host) ? [target.host] : await lookup(target.host);
  if (addresses.length === 0) throw new Error(`the remote's host ${target.host} does not resolve`);
  const internal = addresses.find((a) => isInternalAddress(a));
  if (internal && !allowPrivate) throw new Error(`${privateRefusal(target.host)} (it resolves to ${internal})`);
  return { ...target, addresses };
}

async function lookupAll(host: string): Promise<string[]> {
  try {
    return (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (err) {
    throw new Error(
      `the remote's host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

function privateRefusal(host: string): string {
  return `the remote's host ${host} is an internal address (loopback, link-local, private network or cloud metadata); an admin can allow such remotes with SCION_ALLOW_PRIVATE_GIT_REMOTES=true`;
}
