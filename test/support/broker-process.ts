/**
 * A runtime broker as its own process (`npm run broker`: broker/main.ts through tsx), joined to a
 * hub with a join token, and a TCP forwarder that lets agents in containers reach a hub that
 * listens on loopback only (a dev-mode hub must).
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

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
  const child = spawn(process.execPath, ["--import", "tsx", "broker/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const connected = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /Scion broker connected to (\S+)/.exec(out);
      if (match) {
        child.stdout!.off("data", onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => reject(new Error(`the broker exited (${code}) before connecting:\n${err}\n${out}`)));
  });
  connected.catch(() => undefined);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    connected,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
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
