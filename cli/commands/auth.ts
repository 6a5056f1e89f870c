/** `scion login`, `scion logout`, `scion hubs`, `scion whoami`. */
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { HubClient, HubError } from "../lib/client";
import { forgetHub, readConfig, readToken, resolveHub, saveToken, useHub, normalizeHub } from "../lib/config";
import { hubContext, type GlobalOptions } from "../lib/context";
import { CliError, usageError } from "../lib/errors";
import { examples } from "../lib/help";
import { c, info, out, printJson, spinner, tick } from "../lib/output";

interface Me {
  id: string;
  email: string | null;
  name: string | null;
  role: "admin" | "member" | null;
  status: string;
  kind: "user" | "agent";
}

interface DeviceAuth {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  interval: number;
  expiresIn: number;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw usageError("--token needs a value, or the token on standard input");
  let data = "";
  for await (const chunk of process.stdin) data += chunk;
  return data.trim();
}

/** Checks a token against GET /api/v1/auth/me: it must belong to a person, not an agent. */
async function whoIs(hub: string, token: string): Promise<Me> {
  const me = await new HubClient(hub, token).get<Me>("/api/v1/auth/me");
  if (me.kind !== "user") throw new CliError("this is an agent's token; scion login takes a person's API token");
  return me;
}

async function deviceLogin(hub: string): Promise<string> {
  const client = new HubClient(hub, undefined);
  const { body: flow } = await client.post<DeviceAuth>("/api/v1/auth/device", {
    clientName: `scion CLI on ${os.hostname().slice(0, 60)}`,
  });
  info(`To sign in, open ${c.bold(flow.verificationUri, process.stderr)} and enter the code:`);
  info(`\n    ${c.bold(flow.userCode, process.stderr)}\n`);
  info(c.dim(`(or open ${flow.verificationUriComplete})`, process.stderr));
  const wait = spinner("Waiting for approval in the dashboard…");
  let interval = flow.interval;
  const deadline = Date.now() + flow.expiresIn * 1000;
  try {
    while (Date.now() < deadline) {
      await sleep(interval * 1000);
      const res = await client.post<{ token: string }>(
        "/api/v1/auth/device/token",
        { deviceCode: flow.deviceCode },
        { allow: [428, 429] },
      );
      if (res.status === 428) continue;
      if (res.status === 429) {
        interval += 1;
        continue;
      }
      return res.body.token;
    }
  } finally {
    wait.stop();
  }
  throw new CliError("the code expired before anyone approved it; run scion login again");
}

export function registerAuth(program: Command): void {
  examples(
    program
      .command("login")
      .description("Sign in to a hub: approve a code in the dashboard, or give an API token (CI)")
      .option(
        "--token [token]",
        "an API token (from the dashboard or POST /api/v1/tokens); without a value, read from stdin",
      )
      .action(async (opts: { token?: string | true }, cmd: Command) => {
        const hub = resolveHub(cmd.optsWithGlobals<GlobalOptions>().hub);
        const token =
          opts.token === undefined ? await deviceLogin(hub) : opts.token === true ? await readStdin() : opts.token;
        if (!token) throw usageError("--token is empty");
        let me: Me;
        try {
          me = await whoIs(hub, token);
        } catch (err) {
          if (err instanceof HubError && err.status === 401) throw new CliError(`the hub at ${hub} refused this token`);
          throw err;
        }
        saveToken(hub, token, me.email);
        out(`${tick()} Signed in to ${hub} as ${me.email ?? me.id}${me.role === "admin" ? " (admin)" : ""}.`);
      }),
    [
      "scion login                                   # prints a URL and a code to approve",
      "scion login --hub https://scion.example.com",
      'scion login --token "$SCION_API_TOKEN"         # CI',
      'echo "$TOKEN" | scion login --token',
    ],
  );

  examples(
    program
      .command("logout")
      .description("Revoke this hub's stored token and forget it")
      .action(async (_opts: unknown, cmd: Command) => {
        const hub = resolveHub(cmd.optsWithGlobals<GlobalOptions>().hub);
        const config = readConfig();
        const token = config.hubs[hub] ? readToken(hub, config) : undefined;
        // The token names its own row (the JWT's jti): revoke it so a copy left anywhere stops working.
        const jti = token ? tokenId(token) : undefined;
        if (token && jti) {
          await new HubClient(hub, token)
            .request("DELETE", `/api/v1/tokens/${jti}`, { allow: [401, 404] })
            .catch(() => {
              info(c.dim(`could not reach ${hub} to revoke the token; it is forgotten here`, process.stderr));
            });
        }
        if (!forgetHub(hub)) throw new CliError(`not signed in to ${hub}`);
        out(`${tick()} Signed out of ${hub}.`);
      }),
    ["scion logout", "scion logout --hub https://scion.example.com"],
  );

  const hubs = program.command("hubs").description("The hubs you are signed in to (* marks the current one)");
  examples(
    hubs.option("--json", "print JSON").action((opts: { json?: boolean }) => {
      const config = readConfig();
      const rows = Object.entries(config.hubs).map(([url, h]) => ({
        url,
        user: h.user ?? null,
        current: url === config.currentHub,
        savedAt: h.savedAt,
      }));
      if (opts.json) return printJson(rows);
      if (rows.length === 0) return out("Not signed in to any hub. Run scion login.");
      for (const r of rows) out(`${r.current ? "*" : " "} ${r.url}  ${c.dim(r.user ?? "")}`);
    }),
    ["scion hubs", "scion hubs use https://scion.example.com", "SCION_HUB=http://127.0.0.1:8080 scion list"],
  );
  hubs
    .command("use")
    .description("Make a hub you are signed in to the current one")
    .argument("<url>", "the hub's URL")
    .action((url: string) => {
      const hub = normalizeHub(url);
      useHub(hub);
      out(`${tick()} Now using ${hub}.`);
    });

  examples(
    program
      .command("whoami")
      .description("Who the hub says you are")
      .option("--json", "print JSON")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const { hub, client } = hubContext(cmd);
        const me = await client.get<Me>("/api/v1/auth/me");
        if (opts.json) return printJson({ hub, ...me });
        out(`${me.email ?? me.id} (${me.role ?? me.kind}) on ${hub}`);
      }),
    ["scion whoami"],
  );
}

function tokenId(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      jti?: unknown;
    };
    return typeof payload.jti === "string" && /^[0-9a-f-]{36}$/i.test(payload.jti) ? payload.jti : undefined;
  } catch {
    return undefined;
  }
}
