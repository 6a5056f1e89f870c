import type { Duplex } from "node:stream";

/** Answers an upgrade request with a bare status and closes the socket (no body: machines read the status). */
export function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
