import type { Command } from "commander";
import { HubClient } from "./client";
import { readConfig, readToken, resolveHub } from "./config";

export interface GlobalOptions {
  hub?: string;
  color?: boolean;
}

/** The hub a command talks to and a client with its token (from `--hub`, SCION_HUB, the config). */
export function hubContext(cmd: Command): { hub: string; client: HubClient } {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const config = readConfig();
  const hub = resolveHub(opts.hub, config);
  return { hub, client: new HubClient(hub, readToken(hub, config)) };
}
