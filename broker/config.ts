import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { StartupError } from "../lib/runtime/startup-error";

const httpUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      return ["http:", "https:"].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, { error: "must be http:// or https:// URLs" });

const schema = z.object({
  hubUrls: z.array(httpUrl).min(1, { error: "needs at least one hub URL" }),
  joinToken: z.string().regex(/^scion_join_[A-Za-z0-9_-]{43}$/, { error: "is not a join token (scion_join_…)" }).optional(),
  dataDir: z.string().trim().min(1),
  name: z.string().trim().min(1).max(63),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  portRange: z.string().default("8000-9000"),
  portsPerAgent: z.coerce.number().int().default(2),
  hostUrl: z.string().optional(),
  runtime: z.enum(["local", "docker"], { error: 'must be "local" or "docker"' }).default("local"),
  dockerHost: z.string().trim().optional(),
  dockerImage: z.string().trim().min(1).default("localhost/scion-agent:bookworm"),
  dockerHubUrl: httpUrl.optional(),
  dockerNetwork: z.string().trim().regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: "must be a network name such as bridge or host" }).default("bridge"),
});

export type BrokerConfig = z.output<typeof schema> & { dataDirPath: string };

const ENV: Record<string, keyof z.input<typeof schema>> = {
  SCION_HUB_URLS: "hubUrls",
  SCION_JOIN_TOKEN: "joinToken",
  SCION_DATA_DIR: "dataDir",
  SCION_BROKER_NAME: "name",
  SCION_LOG_LEVEL: "logLevel",
  SCION_PORT_RANGE: "portRange",
  SCION_PORTS_PER_AGENT: "portsPerAgent",
  SCION_HOST_URL: "hostUrl",
  SCION_RUNTIME: "runtime",
  SCION_DOCKER_HOST: "dockerHost",
  SCION_DOCKER_IMAGE: "dockerImage",
  SCION_DOCKER_HUB_URL: "dockerHubUrl",
  SCION_DOCKER_NETWORK: "dockerNetwork",
};

/** The broker's settings from its environment (API.md, "npm run broker"); one line per problem. */
export function loadBrokerConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): BrokerConfig {
  const raw = {
    hubUrls: (env.SCION_HUB_URLS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    joinToken: env.SCION_JOIN_TOKEN || undefined,
    dataDir: env.SCION_DATA_DIR || "./.scion-broker",
    name: env.SCION_BROKER_NAME || os.hostname(),
    logLevel: env.SCION_LOG_LEVEL || undefined,
    portRange: env.SCION_PORT_RANGE || undefined,
    portsPerAgent: env.SCION_PORTS_PER_AGENT || undefined,
    hostUrl: env.SCION_HOST_URL || undefined,
    runtime: env.SCION_RUNTIME || undefined,
    dockerHost: env.SCION_DOCKER_HOST || env.DOCKER_HOST || undefined,
    dockerImage: env.SCION_DOCKER_IMAGE || undefined,
    dockerHubUrl: env.SCION_DOCKER_HUB_URL || undefined,
    dockerNetwork: env.SCION_DOCKER_NETWORK || undefined,
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = Object.entries(ENV).find(([, v]) => v === issue.path[0])?.[0] ?? String(issue.path[0]);
    throw new StartupError(`${key}: ${issue.message}`);
  }
  return { ...parsed.data, dataDirPath: path.resolve(cwd, parsed.data.dataDir) };
}
