/**
 * The agent shim (`scion-agent`), the first process inside every agent:
 *   scion-agent run -- <harness command…>   run the harness and report to the hub
 *   scion-agent doctor                      check environment, token and hub, with fixes
 */
import fs from "node:fs";
import { loadShimConfig } from "./config";
import { doctor } from "./doctor";
import { runAgent } from "./run-agent";

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
      log("warn", "usage: scion-agent run -- <command…>");
      return 2;
    }
    const { config, problems } = loadShimConfig();
    if (!config) {
      log("warn", problems.join("; "));
      return 2;
    }
    return runAgent(config, harness, log);
  }
  log("warn", "usage: scion-agent run -- <command…> | scion-agent doctor");
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    log("warn", err.message);
    process.exit(1);
  },
);
