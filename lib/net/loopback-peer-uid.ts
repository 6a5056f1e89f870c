import fs from "node:fs";
import net from "node:net";

export interface SocketEnds {
  remoteAddress?: string;
  remotePort?: number;
  localPort?: number;
}

/**
 * The uid of the process that owns the other end of a TCP connection made on this machine
 * (Linux: /proc/net/tcp and tcp6 list every socket of the network namespace with its owner).
 * Undefined when the peer is not on this machine or the kernel does not say.
 */
export function loopbackPeerUid(ends: SocketEnds, procNet = "/proc/net"): number | undefined {
  if (!ends.remoteAddress || !isLoopbackAddress(ends.remoteAddress) || !ends.remotePort || !ends.localPort)
    return undefined;
  for (const file of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(`${procNet}/${file}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 8) continue;
      // The peer's socket: its local end is our remote end, its remote end our local port.
      // State 01: established (not an old connection in TIME_WAIT on the same ports).
      if (fields[3] === "01" && portOf(fields[1]!) === ends.remotePort && portOf(fields[2]!) === ends.localPort) {
        const uid = Number(fields[7]);
        return Number.isInteger(uid) ? uid : undefined;
      }
    }
  }
  return undefined;
}

export function isLoopbackAddress(address: string): boolean {
  const ip = address.replace(/^::ffff:/i, "");
  return (net.isIPv4(ip) && ip.startsWith("127.")) || ip === "::1";
}

function portOf(hexEndpoint: string): number {
  return parseInt(hexEndpoint.slice(hexEndpoint.lastIndexOf(":") + 1), 16);
}
