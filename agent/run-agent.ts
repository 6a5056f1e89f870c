import { spawn } from "node:child_process";
import path from "node:path";
import type { ShimConfig } from "./config";
import { HookRelay } from "./hook-relay";
import { PROMPT_MARKER } from "../lib/harnesses/types";
import { clientFor } from "./hub-client";

const REFRESH_BEFORE_S = 2 * 60 * 60;
/** The window over which shims confirm a reset-auth with a heartbeat (see onUsr2). */
export const RESET_CONFIRM_SPREAD_MS = 5_000;

/**
 * `scion-agent run -- <command…>`: the first process of an agent. Reports `starting`, runs the
 * harness, reports `running`, relays the harness's hook reports (a unix socket next to the
 * token file, SCION_AGENT_HOOK_SOCKET in the harness's environment; see hook-relay.ts), sends a
 * heartbeat every 30 s, refreshes its token 2 h before it expires, re-reads the token file at
 * once on SIGUSR2 (reset-auth) and confirms it with a heartbeat within 5 s, passes SIGINT and
 * SIGTERM to the harness (escalating to SIGHUP and SIGKILL), and reports `stopped` (when it ended
 * on its own with 0, or was asked to stop) or `error` when the harness ends, after the hook
 * reports still queued (at most 3 s).
 * Resolves with the harness's exit code. Reports that fail are logged, never fatal: the agent
 * keeps working while the hub is away.
 */
export async function runAgent(
  config: ShimConfig,
  argv: string[],
  log: (level: "info" | "warn", message: string) => void,
): Promise<number> {
  const client = clientFor(config, log);
  const report = (body: Record<string, unknown>) =>
    client.report(body).catch((err: Error) => log("warn", `status report failed: ${err.message}`));

  await report({ phase: "starting" });
  const socketPath = path.join(path.dirname(config.tokenFile), "hook.sock");
  const relay = new HookRelay({
    socketPath,
    send: (body) => client.report(body),
    log,
    promptMarker: path.join(path.dirname(config.tokenFile), PROMPT_MARKER),
  });
  const hookEnv = (await relay.listen()) ? { SCION_AGENT_HOOK_SOCKET: socketPath } : {};
  const child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit", env: { ...process.env, ...hookEnv } });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", (err) => {
      log("warn", `cannot start ${argv[0]}: ${err.message}`);
      resolve(false);
    });
  });
  if (!spawned) {
    await relay.close(0);
    await report({ phase: "error", detail: `cannot start ${argv[0]}` });
    return 127;
  }
  await report({ phase: "running", activity: "idle" });
  relay.release();

  // A reset's confirmation waits for a random moment (below); a heartbeat that comes first confirms.
  let confirmTimer: NodeJS.Timeout | undefined;
  const heartbeat = setInterval(() => {
    clearTimeout(confirmTimer);
    void report({ heartbeat: true });
  }, config.heartbeatMs);
  let refreshTimer: NodeJS.Timeout | undefined;
  const scheduleRefresh = (delayMs?: number) => {
    clearTimeout(refreshTimer);
    const exp = client.tokenExpiry();
    if (exp === undefined) return;
    const due = delayMs ?? Math.max(60_000, (exp - REFRESH_BEFORE_S) * 1000 - Date.now());
    refreshTimer = setTimeout(
      () => {
        client.refreshToken().then(
          () => scheduleRefresh(),
          (err: Error) => {
            log("warn", `token refresh failed: ${err.message}; retrying in 30 s`);
            scheduleRefresh(30_000);
          },
        );
      },
      Math.min(due, 2 ** 31 - 1),
    );
  };
  scheduleRefresh();

  const onUsr2 = () => {
    try {
      client.reloadToken();
      log("info", "re-read the token file");
    } catch (err) {
      log("warn", `cannot re-read the token file: ${(err as Error).message}`);
    }
    scheduleRefresh();
    // Every report from now on carries the new token. The heartbeat that confirms it to the hub
    // goes at a random moment within the next few seconds: a reset of the whole fleet would
    // otherwise bring every shim to the hub in the same second, on top of the reset's own work.
    clearTimeout(confirmTimer);
    confirmTimer = setTimeout(
      () => void report({ heartbeat: true }),
      Math.floor(Math.random() * Math.min(config.heartbeatMs, RESET_CONFIRM_SPREAD_MS)),
    );
  };
  // A stop: pass the signal on; a harness that ignores it (an interactive shell ignores SIGTERM)
  // gets SIGHUP after a second, as if its terminal closed, and SIGKILL after five.
  let stopRequested = false;
  const escalation: NodeJS.Timeout[] = [];
  const forward = (signal: NodeJS.Signals) => {
    if (!stopRequested) void report({ phase: "stopping" });
    stopRequested = true;
    child.kill(signal);
    if (escalation.length === 0) {
      escalation.push(
        setTimeout(() => child.kill("SIGHUP"), 1000),
        setTimeout(() => child.kill("SIGKILL"), 5000),
      );
    }
  };
  process.on("SIGUSR2", onUsr2);
  process.on("SIGTERM", forward);
  process.on("SIGINT", forward);

  const code = await new Promise<number>((resolve) =>
    child.once("exit", (c, signal) => resolve(c ?? (signal ? 128 + 15 : 1))),
  );
  clearInterval(heartbeat);
  clearTimeout(confirmTimer);
  clearTimeout(refreshTimer);
  for (const timer of escalation) clearTimeout(timer);
  process.off("SIGUSR2", onUsr2);
  process.off("SIGTERM", forward);
  process.off("SIGINT", forward);
  // The last turn's hooks (its output) land before the end.
  await relay.close();
  // Asked to stop, the agent is stopped however the harness ended; on its own, non-zero is an error.
  await report(
    code === 0 || stopRequested
      ? { phase: "stopped", detail: null }
      : { phase: "error", detail: `the harness exited with code ${code}` },
  );
  return code;
}
