import { z } from "zod";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost", "[::1]"]);

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Integers arrive as numbers from YAML and as strings from the environment. */
const int = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v),
    z
      .number({ error: "must be a whole number" })
      .int({ error: "must be a whole number" })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );

const bool = z.preprocess(
  (v) => {
    if (typeof v !== "string") return v;
    const s = v.trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(s)) return true;
    if (["false", "0", "no", "off"].includes(s)) return false;
    return v;
  },
  z.boolean({ error: 'must be "true" or "false"' }),
);

/** A comma-separated list in the environment, a YAML list in the file. */
const list = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().trim().min(1), { error: "must be a list (comma-separated in the environment)" }),
);

const emailList = list.pipe(
  z.array(
    z
      .string()
      .toLowerCase()
      .pipe(z.email({ error: "must be a list of email addresses" })),
  ),
);

const postgresUrl = z
  .string()
  .trim()
  .refine(
    (s) => {
      try {
        return ["postgres:", "postgresql:"].includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { error: "must be a postgres:// or postgresql:// URL" },
  );

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
    { error: "must be an http:// or https:// URL" },
  );

const oauthClient = z
  .object({ clientId: z.string().trim().min(1).optional(), clientSecret: z.string().min(1).optional() })
  .strict();

/** The settings as written in scion.yaml (all optional); the environment fills the same shape. */
export const settingsSchema = z
  .object({
    dataDir: z.string().trim().min(1, { error: "must not be empty" }).default("./.scion"),
    host: z.string().trim().min(1, { error: "must not be empty" }).default("127.0.0.1"),
    port: int(0, 65535).default(8080),
    databaseUrl: postgresUrl.optional(),
    database: z
      .object({
        poolMax: int(1, 1000).default(10),
        idleTimeoutMs: int(0, 3_600_000).default(10_000),
        maxLifetimeSeconds: int(0, 86_400).default(1800),
        connectTimeoutMs: int(100, 120_000).default(5000),
      })
      .strict()
      .prefault({}),
    sessionSecret: z.string().min(32, { error: "must be at least 32 characters" }).optional(),
    authMode: z.enum(["dev", "oauth", "proxy"], { error: 'must be "dev", "oauth" or "proxy"' }).optional(),
    iap: z
      .object({
        audience: z.string().trim().min(1).optional(),
        jwksUrl: httpUrl.default("https://www.gstatic.com/iap/verify/public_key-jwk"),
        issuer: z.string().trim().min(1).default("https://cloud.google.com/iap"),
      })
      .strict()
      .prefault({}),
    oauth: z
      .object({
        google: oauthClient.optional(),
        github: oauthClient.optional(),
        oidc: oauthClient
          .extend({ issuer: httpUrl, name: z.string().trim().min(1).max(50).default("Single sign-on") })
          .partial({ issuer: true })
          .optional(),
      })
      .strict()
      .prefault({}),
    publicUrl: httpUrl.optional(),
    adminEmails: emailList.default([]),
    allowedDomains: list.default([]),
    localBroker: bool.optional(),
    /** Project remotes on loopback, link-local, private or metadata addresses (refused by default). */
    allowPrivateGitRemotes: bool.default(false),
    notifications: z
      .object({
        /** Webhooks to loopback, link-local, private or metadata addresses (refused by default). */
        allowPrivateWebhooks: bool.default(false),
        /** smtp:// or smtps:// URL (with user:password) of the server email notifications go through. */
        smtpUrl: z
          .string()
          .regex(/^smtps?:\/\/[^\s]+$/, { error: "must be an smtp:// or smtps:// URL" })
          .optional(),
        /** The From address of email notifications. */
        smtpFrom: z.string().trim().min(3).max(320).default("Scion Hub <scion@localhost>"),
        /** The first retry's delay; later ones are 6, 24, 120 and 720 times it (tests shorten it). */
        retryBaseMs: z.coerce.number().int().min(10).max(600_000).default(5_000),
      })
      .strict()
      .prefault({}),
    internalUrl: httpUrl.optional(),
    /** A bearer token Prometheus may scrape /metrics with (admins may always). */
    metricsToken: z.string().min(24, { error: "must be at least 24 characters" }).optional(),
    logLevel: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),

    // ---- Rate limits (issue 10) ------------------------------------------------------------
    /**
     * Bounds on abuse-prone operations, kept per replica in memory (lib/http/rate-limit.ts says
     * why); 0 turns a limit off. Sign-ins count per client address (oauth mode only: dev and IAP
     * have no sign-in form), tokens and agent creations per caller, event streams per caller.
     */
    rateLimits: z
      .object({
        signInsPerMinute: int(0, 1_000_000).default(10),
        tokensPerHour: int(0, 1_000_000).default(20),
        agentCreationsPerMinute: int(0, 1_000_000).default(60),
        eventStreams: int(0, 1_000_000).default(20),
        /** Reverse proxies in front of the hub whose X-Forwarded-For entries are trusted (0 = none). */
        trustedProxyHops: int(0, 10).default(0),
      })
      .strict()
      .prefault({}),
    // ---- end of rate limits ----------------------------------------------------------------
    // --- Sessions, event streams and agent ownership (issue 10, sec-auth) ---
    /** How many agents one person may own, sub-agents included (creating more answers 409 quota_exceeded). */
    maxAgentsPerUser: int(1, 1_000_000).default(100),
    /** How long the signed identity header server.ts passes on in proxy mode stays valid (replay window). */
    identityHeaderMaxAgeMs: int(1000, 600_000).default(60_000),
    // --- end sec-auth ---
    /** Days an agent's phase/activity changes are kept (an hourly sweep deletes older ones); 0 keeps them all. */
    historyRetentionDays: int(0, 3650).default(30),
  })
  .strict();

export type Settings = z.output<typeof settingsSchema>;

/** Validated configuration with every default and cross-field rule applied. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface HubConfig extends Omit<Settings, "authMode" | "localBroker" | "internalUrl" | "oauth" | "publicUrl"> {
  authMode: "dev" | "oauth" | "proxy";
  localBroker: boolean;
  internalUrl: string;
  /** The URL people's browsers use (OAuth callbacks); defaults to internalUrl. */
  publicUrl: string;
  /** OAuth clients that are fully configured (id and secret, and an issuer for OIDC). */
  oauth: { google?: OAuthClient; github?: OAuthClient; oidc?: OAuthClient & { issuer: string; name: string } };
  /** Absolute path of dataDir. */
  dataDirPath: string;
  /** Where scion.yaml was read from, if anywhere. */
  configFile?: string;
}
