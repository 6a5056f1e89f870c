import os from "node:os";
import path from "node:path";
import { z } from "zod";

const schema = z.object({
  hubUrl: z
    .string({ error: "SCION_HUB_URL is not set" })
    .url({ error: "SCION_HUB_URL must be the hub's URL (http:// or https://)" }),
  agentId: z
    .string({ error: "SCION_AGENT_ID is not set" })
    .pipe(z.uuid({ error: "SCION_AGENT_ID must be the agent's id" })),
  tokenFile: z.string().min(1),
  heartbeatMs: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Every hub replica the broker knows, tried in turn when the current one is unreachable. */
  hubUrls: z.array(z.string().url({ error: "SCION_HUB_URLS must be hub URLs (http:// or https://)" })).default([]),
});

export type ShimConfig = z.output<typeof schema>;

/** The shim's settings, set by the broker in the agent's environment. */
export function loadShimConfig(env: Record<string, string | undefined> = process.env): {
  config?: ShimConfig;
  problems: string[];
} {
  const parsed = schema.safeParse({
    hubUrl: env.SCION_HUB_URL,
    agentId: env.SCION_AGENT_ID,
    tokenFile: env.SCION_AGENT_TOKEN_FILE || path.join(os.homedir(), ".scion", "agent-token"),
    heartbeatMs: env.SCION_HEARTBEAT_MS || undefined,
    hubUrls: (env.SCION_HUB_URLS ?? "")
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean),
  });
  if (parsed.success) return { config: parsed.data, problems: [] };
  return {
    problems: parsed.error.issues.map((i) =>
      i.message.startsWith("SCION_") ? i.message : `${i.path.join(".")}: ${i.message}`,
    ),
  };
}
