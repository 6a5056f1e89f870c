/** `scion doctor`: is the hub reachable and ready, is the token valid, do the clocks and versions agree. */
import type { Command } from "commander";
import { HubError } from "../lib/client";
import { hubContext } from "../lib/context";
import { examples } from "../lib/help";
import { c, cross, out, printJson, tick } from "../lib/output";
import { CLI_VERSION } from "../version";

interface Check {
  name: string;
  ok: boolean;
  warn?: boolean;
  detail: string;
}

/** More than this between the hub's clock and ours breaks token expiry checks. */
const MAX_SKEW_MS = 30_000;

export function registerDoctor(program: Command): void {
  examples(
    program
      .command("doctor")
      .description("Check the hub: reachable, ready, your token, clock skew, versions")
      .option("--json", "print JSON")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const { hub, client } = hubContext(cmd);
        const checks: Check[] = [];
        const sentAt = Date.now();
        const reach = await client.request<{ version?: string; schema?: string | null }>("GET", "/api/v1/version").then(
          (r) => r,
          (err: Error) => err,
        );
        const receivedAt = Date.now();
        if (reach instanceof Error) {
          checks.push({ name: "hub reachable", ok: false, detail: reach.message });
        } else {
          checks.push({ name: "hub reachable", ok: true, detail: `${hub} in ${receivedAt - sentAt} ms` });
          const ready = await client.request<{ status?: string; reasons?: string[] }>("GET", "/readyz", {
            allow: [503],
          });
          checks.push({
            name: "hub ready",
            ok: ready.status === 200,
            detail:
              ready.status === 200 ? "database, migrations and listener ok" : (ready.body.reasons ?? []).join(", "),
          });
          const date = reach.headers.get("date");
          if (date) {
            // The Date header has a 1 s resolution: count from the middle of the round trip.
            const skew = new Date(date).getTime() + 500 - (sentAt + receivedAt) / 2;
            checks.push({
              name: "clock skew",
              ok: Math.abs(skew) <= MAX_SKEW_MS,
              detail: `${skew >= 0 ? "hub ahead by" : "hub behind by"} about ${Math.round(Math.abs(skew) / 1000)} s`,
            });
          }
          const hubVersion = reach.body.version ?? "unknown";
          checks.push({
            name: "versions",
            ok: true,
            warn: hubVersion !== CLI_VERSION,
            detail: `CLI ${CLI_VERSION}, hub ${hubVersion}${reach.body.schema ? ` (schema ${reach.body.schema})` : ""}`,
          });
          if (!client.token)
            checks.push({ name: "signed in", ok: false, detail: `no token: run scion login --hub ${hub}` });
          else {
            const me = await client
              .get<{ email: string | null; role: string | null; kind: string }>("/api/v1/auth/me")
              .catch((err: HubError) => err);
            checks.push(
              me instanceof Error
                ? { name: "token valid", ok: false, detail: me.message }
                : { name: "token valid", ok: true, detail: `${me.email ?? me.kind} (${me.role ?? me.kind})` },
            );
          }
        }
        const failed = checks.filter((ch) => !ch.ok).length;
        if (failed) process.exitCode = 1;
        if (opts.json) return printJson({ hub, ok: failed === 0, checks });
        for (const ch of checks)
          out(`${ch.ok ? (ch.warn ? c.yellow("!") : tick()) : cross()} ${ch.name.padEnd(14)} ${c.dim(ch.detail)}`);
      }),
    ["scion doctor", "scion doctor --hub https://scion.example.com --json"],
  );
}
