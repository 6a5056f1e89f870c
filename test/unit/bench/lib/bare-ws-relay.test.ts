import { spawn, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";

const RELAY = path.resolve(import.meta.dirname, "../../../../bench/lib/bare-ws-relay.mjs");

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** The relay in front of `target`, as the terminal bench starts it; resolves with its port. */
function startRelay(target: string): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [RELAY, target], { stdio: ["ignore", "pipe", "inherit"] });
  cleanup.push(() => child.kill());
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      const m = /up (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`the relay exited (${code})`)));
  });
}

describe("the terminal bench's bare relay", () => {
  it("forwards binary frames both ways, in order, to the target with the client's query", async () => {
    const upstream = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    cleanup.push(() => upstream.close());
    await new Promise((r) => upstream.once("listening", r));
    const queries: string[] = [];
    upstream.on("connection", (ws, req) => {
      queries.push(req.url ?? "");
      // An echo that says it was here: what a PTY would answer to a key.
      ws.on("message", (data, isBinary) =>
        ws.send(Buffer.concat([Buffer.from("echo:"), data as Buffer]), { binary: isBinary }),
      );
    });
    const port = await startRelay(`ws://127.0.0.1:${(upstream.address() as AddressInfo).port}/`);

    const client = new WebSocket(`ws://127.0.0.1:${port}/?cols=160&rows=48`);
    cleanup.push(() => client.close());
    const received: string[] = [];
    const twoEchoes = new Promise<void>((resolve) =>
      client.on("message", (data) => {
        received.push((data as Buffer).toString());
        if (received.length === 2) resolve();
      }),
    );
    await new Promise((r) => client.once("open", r));
    client.send(Buffer.from("a"), { binary: true });
    client.send(Buffer.from("b"), { binary: true });
    await twoEchoes;

    expect(received).toEqual(["echo:a", "echo:b"]);
    expect(queries).toEqual(["/?cols=160&rows=48"]);
  });
});
