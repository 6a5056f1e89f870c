import { z } from "zod";
import { REPORTABLE_ACTIVITIES } from "../lib/agents/activities";
import { loadShimConfig } from "./config";
import { clientFor } from "./hub-client";

const USAGE = "usage: scion-agent report --activity <activity> [--detail <text>]";

const reportArgs = z
  .object({ activity: z.enum(REPORTABLE_ACTIVITIES).optional(), detail: z.string().max(1000).optional() })
  .strict()
  .refine((a) => a.activity !== undefined || a.detail !== undefined, { error: "give --activity and/or --detail" });

/**
 * `scion-agent report`: what a harness's hooks call to say what the agent is doing (thinking,
 * executing, waiting_for_input, …), with the agent's own token. Exit 0 when the hub took it.
 */
export async function report(args: string[], log: (level: "info" | "warn", message: string) => void): Promise<number> {
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
  const client = clientFor(config, log);
  await client.report(parsed.data);
  return 0;
}
