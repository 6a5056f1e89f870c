/**
 * The agent shim (`scion-agent`), the first process inside every agent:
 *   scion-agent run -- <harness command…>   run the harness and report to the hub
 *   scion-agent doctor                      check environment, token and hub, with fixes
 *   scion-agent report --activity <a> [--detail <text>]
 *                                           report activity (for harness hooks)
 */
import fs from "node:fs";
import { loadShimConfig } from "./config";
import { doctor } from "./doctor";
import { runAgent } from "./run-agent";
import { AgentHubClient } from "./hub-client";
import { z } from "zod";

const REPORTABLE_ACTIVITIES = ["idle", "thinking", "executing", "waiting_for_input", "blocked", "completed", "limits_exceeded"] as const;

// Inside an agent the terminal belongs to the harness, so the broker points SCION_AGENT_LOG at a
// file; run by hand, the shim logs to stderr.
const logFile = process.env.SCION_AGENT_LOG;
const log = (level: "info" | "warn", message: string) => {
  const line = `scion-agent ${level}: ${message}\n`;
  if (!logFile) return void process.stderr.write(line);
  try {
    fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}`, { mode: 0o600 });
  } catch {
    process.stderr.write(line);
  }
};

const USAGE = "usage: scion-agent run -- <command…> | scion-agent doctor | scion-agent report --activity <activity> [--detail <text>]";

const reportArgs = z
  .object({ activity: z.enum(REPORTABLE_ACTIVITIES).optional(), detail: z.string().max(1000).optional() })
  .strict()
  .refine((a) => a.activity !== undefined || a.detail !== undefined, { error: "give --activity and/or --detail" });

/**
 * `scion-agent report`: what a harness's hooks call to say what the agent is doing (thinking,
 * executing, waiting_for_input, …), with the agent's own token. Exit 0 when the hub took it.
 */
async function report(args: string[]): Promise<number> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const flag = /^--(activity|detail)$/.exec(args[i] ?? "");
    if (!flag || args[i + 1] === undefined) {
      log("warn", USAGE);
      return 2;
    }
    raw[flag[1]!] = args[i + 1]!;
  }
  const parsed = reportArgs.safeParse(raw);
  if (!parsed.success) {
    log("warn", parsed.error.issues.map((i) => `${i.path.join(".") || "report"}: ${i.message}`).join("; "));
    return 2;
  }
  const { config, problems } = loadShimConfig();
  if (!config) {
    log("warn", problems.join("; "));
    return 2;
  }
  const client = new AgentHubClient({ hubUrl: config.hubUrl, fallbackUrls: config.hubUrls, agentId: config.agentId, tokenFile: config.tokenFile, log });
  await client.report(parsed.data);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "doctor") {
    const checks = await doctor();
    for (const c of checks) process.stdout.write(`${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ""}\n`);
    return checks.every((c) => c.ok) ? 0 : 1;
  }
  if (command === "run") {
    const harness = rest[0] === "--" ? rest.slice(1) : rest;
    if (harness.length === 0) {
      log("warn", USAGE);
      return 2;
    }
    const { config, problems } = loadShimConfig();
    if (!config) {
      log("warn", problems.join("; "));
      return 2;
    }
    return runAgent(config, harness, log);
  }
  if (command === "report") return report(rest);
  log("warn", USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    log("warn", err.message);
    process.exit(1);
  },
);
