/**
 * The agent shim (`scion-agent`), the first process inside every agent:
 *   scion-agent run -- <harness command…>   run the harness and report to the hub
 *   scion-agent doctor                      check environment, token and hub, with fixes
 *   scion-agent report --activity <a> [--detail <text>]
 *                                           report activity (for harness hooks)
 *   scion-agent hook --dialect claude|gemini|codex
 *                                           a harness hook: the event JSON in, a report out
 *   scion-agent say "text" | ask "question"  message the agent's owner (ask: and wait for the answer)
 *
 * Commands are loaded on demand: `hook` runs on every tool call of the harness and must be done
 * in milliseconds, so it never pays for loading what `run` needs (zod and the rest).
 */
import fs from "node:fs";
import { logLine } from "./log-line";

const USAGE =
  "usage: scion-agent run -- <command…> | scion-agent doctor | scion-agent report --activity <activity> [--detail <text>] | scion-agent hook --dialect <d> | scion-agent say|ask <text>";

// Inside an agent the terminal belongs to the harness, so the broker points SCION_AGENT_LOG at a
// file; run by hand, the shim logs to stderr (except a hook: its harness reads its stderr).
const logFile = process.env.SCION_AGENT_LOG;
const logTo =
  (stderr: boolean) =>
  (level: "info" | "warn", message: string): void => {
    if (!logFile) return void (stderr && process.stderr.write(`scion-agent ${level}: ${message}\n`));
    try {
      fs.appendFileSync(logFile, logLine(level, message), { mode: 0o600 });
    } catch {
      if (stderr) process.stderr.write(`scion-agent ${level}: ${message}\n`);
    }
  };
const log = logTo(true);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "hook") return (await import("./hook")).hook(rest, logTo(false));
  if (command === "doctor") {
    const checks = await (await import("./doctor")).doctor();
    for (const c of checks)
      process.stdout.write(`${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ""}\n`);
    return checks.every((c) => c.ok) ? 0 : 1;
  }
  if (command === "run") {
    const harness = rest[0] === "--" ? rest.slice(1) : rest;
    if (harness.length === 0) {
      log("warn", USAGE);
      return 2;
    }
    const { config, problems } = (await import("./config")).loadShimConfig();
    if (!config) {
      log("warn", problems.join("; "));
      return 2;
    }
    return (await import("./run-agent")).runAgent(config, harness, log);
  }
  if (command === "report") return (await import("./report")).report(rest, log);
  if (command === "say" || command === "ask") return (await import("./say")).say(command, rest, log);
  log("warn", USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    log("warn", err.message);
    // A hook exits 0 whatever happened: a failing hook would block or confuse its harness.
    process.exit(process.argv[2] === "hook" ? 0 : 1);
  },
);
