/**
 * `scion-agent-hook.mjs`, the entry of the hook alone: a harness runs a hook on every prompt and
 * tool call and waits for it, so this bundle holds only the hook (no zod, no hub client) and
 * Node parses a few kilobytes instead of the whole shim. Same arguments as `scion-agent hook`.
 */
import fs from "node:fs";
import { hook } from "./hook";
import { logLine } from "./log-line";

const logFile = process.env.SCION_AGENT_LOG;
// Never stderr: Gemini CLI shows a hook's stderr to the model.
const log = (level: "info" | "warn", message: string): void => {
  if (!logFile) return;
  try {
    fs.appendFileSync(logFile, logLine(level, message), { mode: 0o600 });
  } catch {
    // nowhere to say it
  }
};

const args = process.argv.slice(2);
hook(args[0] === "hook" ? args.slice(1) : args, log).then(
  (code) => process.exit(code),
  () => process.exit(0),
);
