import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** Bytes both ways between two sockets, each paced by the other (pipe); `ended` when either goes. */
export function joinSockets(a: Duplex, b: Duplex, ended: () => void): void {
  for (const socket of [a, b]) {
    (socket as Partial<Socket>).setNoDelay?.(true);
    socket.on("close", ended);
    socket.on("error", ended);
  }
  a.pipe(b);
  b.pipe(a);
}
