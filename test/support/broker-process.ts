/**
 * A runtime broker as its own process (broker/main.ts through tsx, as `npm run broker` runs it), joined to a
 * hub with a join token, and a TCP forwarder that lets agents in containers reach a hub that
 * listens on loopback only (a dev-mode hub must).
 */
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import { spawnTsx, waitForLine } from "./tsx-process";

export interface BrokerProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once it prints "Scion broker connected to <url>"; rejects with its stderr if it exits first. */
  connected: Promise<string>;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts broker/main.ts with `env` on top of a minimal environment (PATH, HOME, production). */
export function spawnBrokerProcess(env: Record<string, string>): BrokerProcess {
  const broker = spawnTsx("broker/main.ts", env);
  const { child } = broker;
  return {
    child,
    stdout: broker.stdout,
    stderr: broker.stderr,
    connected: waitForLine(broker, /Scion broker connected to (\S+)/, "the broker", "before connecting"),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const { code } = await broker.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface Forwarder {
  port: number;
  close(): Promise<void>;
}

/** Listens on `host` (default all addresses) and pipes every connection to 127.0.0.1:`targetPort`. */
export async function forwardToLoopback(targetPort: number, host = "0.0.0.0"): Promise<Forwarder> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
    upstream.on("close", () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
