import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { HARNESS_DESCRIPTORS } from "../lib/harnesses/registry";
import { IMAGE_PATTERN } from "../lib/net/image-reference";
import { StartupError } from "../lib/runtime/startup-error";

const httpUrl = z
  .string()
  .trim()
  .refine(
    (s) => {
      try {
        return ["http:", "https:"].includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { error: "must be http:// or https:// URLs" },
  );

const bool = z.enum(["true", "false"], { error: 'must be "true" or "false"' }).transform((v) => v === "true");

/** "4g", "512m", "1073741824": bytes for the engine. */
const byteSize = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\s*([kmgt]i?b?)?$/i, {
    error: 'must be a size such as "4g", "512m" or a number of bytes ("0" for no limit)',
  })
  .transform((v) => {
    const m = /^(\d+(?:\.\d+)?)\s*([kmgt])?/i.exec(v)!;
    const power = m[2] ? "kmgt".indexOf(m[2].toLowerCase()) + 1 : 0;
    return Math.round(Number(m[1]) * 1024 ** power);
  });

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

const schema = z
  .object({
    hubUrls: z.array(httpUrl).min(1, { error: "needs at least one hub URL" }),
    allowInsecureHub: bool.default(false),
    joinToken: z
      .string()
      .regex(/^scion_join_[A-Za-z0-9_-]{43}$/, { error: "is not a join token (scion_join_…)" })
      .optional(),
    dataDir: z.string().trim().min(1),
    name: z.string().trim().min(1).max(63),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    portRange: z.string().default("8000-9000"),
    portsPerAgent: z.coerce.number().int().default(2),
    hostUrl: z.string().optional(),
    runtime: z.enum(["local", "docker"], { error: 'must be "local" or "docker"' }).default("local"),
    dockerHost: z.string().trim().optional(),
    dockerImage: z.string().trim().min(1).default("localhost/scion-agent:bookworm-v3"),
    /** SCION_DOCKER_ALLOWED_IMAGES: images templates may name besides dockerImage (exact, or a prefix ending in *). */
    dockerAllowedImages: z
      .array(z.string().regex(IMAGE_PATTERN, { error: "is not an image reference (or a prefix ending in *)" }))
      .default([]),
    dockerHubUrl: httpUrl.optional(),
    dockerNetwork: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: "must be a network name such as bridge or host" })
      .default("bridge"),
    dockerAllowHostNetwork: bool.default(false),
    dockerMemory: byteSize.default(4 * 1024 ** 3),
    dockerCpus: z.coerce.number({ error: "must be a number of CPUs such as 2 or 0.5" }).min(0).max(1024).default(2),
    dockerPids: z.coerce.number().int({ error: "must be a whole number" }).min(0).max(1_000_000).default(2048),
    /** SCION_AGENT_NICE: the local runtime's agents run this much below the broker's CPU priority (0, the default: the same). */
    agentNice: z
      .string()
      .trim()
      .regex(/^(1?[0-9])$/, { error: "must be a nice value from 0 (the broker's own priority) to 19 (the lowest)" })
      .transform(Number)
      .default(0),
    harnessDir: z.string().trim().min(1).optional(),
    /** SCION_HARNESS_<ID>_BIN: an existing binary instead of installing; absolute, checked when used. */
    harnessBins: z
      .record(
        z.string(),
        z
          .string()
          .trim()
          .refine((p) => path.isAbsolute(p), { error: "must be an absolute path to the CLI" }),
      )
      .default({}),
  })
  // The control channel carries agent tokens, secrets and terminal keystrokes: never in the clear
  // over a network. A hub on this machine (loopback) needs no TLS.
  .refine(
    (c) =>
      c.allowInsecureHub ||
      c.hubUrls.every((u) => new URL(u).protocol === "https:" || LOOPBACK.test(new URL(u).hostname)),
    {
      path: ["hubUrls"],
      error:
        "a plaintext http:// hub that is not on this machine would expose agent tokens, secrets and terminals to the network; use https:// (or SCION_ALLOW_INSECURE_HUB=true on a network you trust)",
    },
  )
  .refine((c) => c.dockerNetwork !== "host" || c.dockerAllowHostNetwork, {
    path: ["dockerNetwork"],
    error:
      "host networking gives agents the broker's network, loopback services included; set SCION_DOCKER_ALLOW_HOST_NETWORK=true to allow it",
  });

export type BrokerConfig = z.output<typeof schema> & { dataDirPath: string; harnessDirPath: string };

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
  SCION_DOCKER_ALLOWED_IMAGES: "dockerAllowedImages",
  SCION_DOCKER_HUB_URL: "dockerHubUrl",
  SCION_DOCKER_NETWORK: "dockerNetwork",
  SCION_ALLOW_INSECURE_HUB: "allowInsecureHub",
  SCION_DOCKER_ALLOW_HOST_NETWORK: "dockerAllowHostNetwork",
  SCION_DOCKER_MEMORY: "dockerMemory",
  SCION_DOCKER_CPUS: "dockerCpus",
  SCION_DOCKER_PIDS: "dockerPids",
  SCION_AGENT_NICE: "agentNice",
  SCION_HARNESS_DIR: "harnessDir",
};

/** The broker's settings from its environment (API.md, "npm run broker"); one line per problem. */
export function loadBrokerConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): BrokerConfig {
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
    dockerAllowedImages: (env.SCION_DOCKER_ALLOWED_IMAGES ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    dockerHubUrl: env.SCION_DOCKER_HUB_URL || undefined,
    dockerNetwork: env.SCION_DOCKER_NETWORK || undefined,
    allowInsecureHub: env.SCION_ALLOW_INSECURE_HUB?.trim().toLowerCase() || undefined,
    dockerAllowHostNetwork: env.SCION_DOCKER_ALLOW_HOST_NETWORK?.trim().toLowerCase() || undefined,
    dockerMemory: env.SCION_DOCKER_MEMORY || undefined,
    dockerCpus: env.SCION_DOCKER_CPUS || undefined,
    dockerPids: env.SCION_DOCKER_PIDS || undefined,
    agentNice: env.SCION_AGENT_NICE || undefined,
    harnessDir: env.SCION_HARNESS_DIR || undefined,
    harnessBins: Object.fromEntries(
      HARNESS_DESCRIPTORS.flatMap((h) => (h.binEnv && env[h.binEnv] ? [[h.binEnv, env[h.binEnv]!]] : [])),
    ),
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key =
      issue.path[0] === "harnessBins"
        ? String(issue.path[1])
        : (Object.entries(ENV).find(([, v]) => v === issue.path[0])?.[0] ?? String(issue.path[0]));
    throw new StartupError(`${key}: ${issue.message}`);
  }
  const dataDirPath = path.resolve(cwd, parsed.data.dataDir);
  return {
    ...parsed.data,
    dataDirPath,
    harnessDirPath: path.resolve(cwd, parsed.data.harnessDir ?? path.join(dataDirPath, "harnesses")),
  };
}
