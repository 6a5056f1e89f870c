import fs from "node:fs";
import { loadShimConfig } from "./config";
import { readToken, tokenExpiry } from "./hub-client";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/**
 * `scion-agent doctor`: checks the agent's environment, its token file, the token's expiry, that
 * the hub answers and that it accepts the token, and says how to fix each problem.
 */
export async function doctor(env: Record<string, string | undefined> = process.env): Promise<Check[]> {
  const checks: Check[] = [];
  const { config, problems } = loadShimConfig(env);
  checks.push(
    config
      ? { name: "environment", ok: true, detail: `agent ${config.agentId}, hub ${config.hubUrl}` }
      : {
          name: "environment",
          ok: false,
          detail: problems.join("; "),
          fix: "the broker sets SCION_HUB_URL and SCION_AGENT_ID when it starts the agent; restart the agent from the hub",
        },
  );
  if (!config) return checks;

  let token: string | undefined;
  try {
    token = readToken(config.tokenFile);
    const mode = fs.statSync(config.tokenFile).mode & 0o777;
    checks.push(
      mode & 0o077
        ? {
            name: "token file",
            ok: false,
            detail: `${config.tokenFile} is readable by others (mode ${mode.toString(8)})`,
            fix: `chmod 600 ${config.tokenFile}`,
          }
        : { name: "token file", ok: true, detail: config.tokenFile },
    );
  } catch (err) {
    checks.push({
      name: "token file",
      ok: false,
      detail: (err as Error).message,
      fix: "use Reset Auth on the agent in the dashboard (or POST /api/v1/agents/{id}/reset-auth)",
    });
  }
  if (token) {
    const exp = tokenExpiry(token);
    const left = exp === undefined ? undefined : exp - Date.now() / 1000;
    checks.push(
      left === undefined
        ? {
            name: "token expiry",
            ok: false,
            detail: "the token is not readable as a JWT",
            fix: "use Reset Auth on the agent",
          }
        : left <= 0
          ? {
              name: "token expiry",
              ok: false,
              detail: `expired ${Math.round(-left / 60)} min ago`,
              fix: "use Reset Auth on the agent; the shim refreshes tokens itself while the hub is reachable",
            }
          : {
              name: "token expiry",
              ok: true,
              detail: `valid for ${Math.floor(left / 3600)} h ${Math.floor((left % 3600) / 60)} min`,
            },
    );
  }

  try {
    const res = await fetch(new URL("/healthz", config.hubUrl), { signal: AbortSignal.timeout(5000) });
    checks.push(
      res.ok
        ? { name: "hub reachable", ok: true, detail: config.hubUrl }
        : { name: "hub reachable", ok: false, detail: `HTTP ${res.status}`, fix: "check that the hub is up" },
    );
  } catch (err) {
    checks.push({
      name: "hub reachable",
      ok: false,
      detail: (err as Error).message,
      fix: `check the network path to ${config.hubUrl} and that the hub is running`,
    });
    return checks;
  }
  if (token) {
    const res = await fetch(new URL("/api/v1/auth/me", config.hubUrl), {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5000),
    });
    const me = (await res.json().catch(() => ({}))) as { id?: string; kind?: string };
    checks.push(
      res.ok && me.kind === "agent" && me.id === config.agentId
        ? { name: "token accepted", ok: true, detail: "the hub knows this agent's token" }
        : {
            name: "token accepted",
            ok: false,
            detail: `the hub answered HTTP ${res.status}`,
            fix: "the token was replaced or revoked: use Reset Auth on the agent",
          },
    );
  }
  return checks;
}
