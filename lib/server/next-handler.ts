import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import { prerenderedScriptHashes, type PagePolicy } from "./security-headers";

export interface NextHandlers {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Next's own WebSocket upgrades (the dev server's hot reload). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  close(): Promise<void>;
  /** What the pages' Content-Security-Policy must allow for this build. */
  pagePolicy: PagePolicy;
}

/**
 * Prepares Next.js for this directory. Production serves the output of `next build`; development
 * compiles on demand with hot reload. Imported lazily so tools and tests that do not serve pages
 * never load Next.
 */
export async function prepareNext({
  dev,
  dir,
  hostname,
  port,
}: {
  dev: boolean;
  dir: string;
  hostname: string;
  port: number;
}): Promise<NextHandlers> {
  const { default: next } = await import("next");
  const app = next({ dev, dir, hostname, port, customServer: true });
  await app.prepare();
  // On its first request Next.js adds its own "upgrade" listener to the server it finds on the
  // socket, and that listener ends every WebSocket it does not recognise, including the broker
  // control channel. server.ts owns upgrades (it forwards /_next/ ones in development), so mark
  // Next's set-up as already done.
  (app as unknown as { didWebSocketSetup?: boolean }).didWebSocketSetup = true;
  const handle = app.getRequestHandler();
  const upgrade = app.getUpgradeHandler();
  return {
    handle: (req, res) => handle(req, res),
    upgrade: (req, socket, head) => upgrade(req, socket, head),
    pagePolicy: { dev, staticScriptHashes: dev ? [] : prerenderedScriptHashes(path.join(dir, ".next")) },
    close: async () => {
      await (app as unknown as { close?: () => Promise<void> }).close?.();
    },
  };
}
