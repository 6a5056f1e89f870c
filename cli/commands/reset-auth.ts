/** `scion reset-auth <agent>` and `scion reset-auth --all` (admins). */
import type { Command } from "commander";
import { agentRef, projectSlugs, resolveAgent } from "../lib/agents";
import { hubContext } from "../lib/context";
import { usageError } from "../lib/errors";
import { watchEvents } from "../lib/events";
import { examples } from "../lib/help";
import { cross, out, printJson, spinner, tick } from "../lib/output";

interface Summary {
  runId: string;
  total: number;
  succeeded: number;
  failed: number;
  results: Array<{ agentId: string; name: string; ok: boolean; error?: string }>;
}

export function registerResetAuth(program: Command): void {
  examples(
    program
      .command("reset-auth")
      .description(
        "Give a running agent a fresh token (the old one stops working at once); --all: every running agent (admins)",
      )
      .argument("[agent]", "project/slug, slug or id")
      .option("--all", "every running agent on the hub (admins only)")
      .option("--json", "print JSON")
      .action(async (ref: string | undefined, opts: { all?: boolean; json?: boolean }, cmd: Command) => {
        if (opts.all === Boolean(ref)) throw usageError("give an agent or --all");
        const { client } = hubContext(cmd);
        if (!opts.all) {
          const agent = await resolveAgent(client, ref!);
          const { body } = await client.post<{ ok: boolean; signalled: boolean; error?: string }>(
            `/api/v1/agents/${agent.id}/reset-auth`,
          );
          if (opts.json) return printJson(body);
          const name = agentRef(agent, await projectSlugs(client));
          if (!body.ok) process.exitCode = 1;
          return out(
            body.ok
              ? `${tick()} ${name} has a fresh token${body.signalled ? "" : " (its shim will pick it up on its next refresh)"}`
              : `${cross()} ${name}: ${body.error ?? "failed"}`,
          );
        }
        // Progress comes as events of the maintenance run while the request runs.
        const spin = opts.json ? undefined : spinner("Resetting auth of every running agent…");
        const watcher = new AbortController();
        if (spin)
          void watchEvents(
            client,
            ["maintenance.run.*.progress"],
            (e) => {
              const p = (e.data as { progress?: { done?: number; total?: number } }).progress;
              if (p?.total !== undefined) spin.update(`Resetting auth: ${p.done ?? 0}/${p.total}`);
            },
            watcher.signal,
          ).catch(() => undefined);
        let summary: Summary;
        try {
          summary = (await client.post<Summary>("/api/v1/admin/agents/reset-auth-all", {}, { timeoutMs: 600_000 }))
            .body;
        } finally {
          watcher.abort();
          spin?.stop();
        }
        if (summary.failed) process.exitCode = 1;
        if (opts.json) return printJson(summary);
        for (const r of summary.results)
          out(`${r.ok ? tick() : cross()} ${r.name}${r.ok ? "" : `: ${r.error ?? "failed"}`}`);
        out(`Reset ${summary.succeeded} of ${summary.total}${summary.failed ? `, ${summary.failed} failed` : ""}.`);
      }),
    ["scion reset-auth web/fixer", "scion reset-auth --all", "scion reset-auth --all --json"],
  );
}
