/**
 * Where each setting comes from in the environment. The environment wins over scion.yaml.
 * Paths are the YAML keys; errors name the variable or the key the bad value came from.
 */
export const ENV_KEYS: ReadonlyArray<{ env: string; path: readonly string[] }> = [
  { env: "SCION_DATA_DIR", path: ["dataDir"] },
  { env: "HOST", path: ["host"] },
  { env: "PORT", path: ["port"] },
  { env: "DATABASE_URL", path: ["databaseUrl"] },
  { env: "SCION_DB_POOL_MAX", path: ["database", "poolMax"] },
  { env: "SCION_DB_IDLE_TIMEOUT_MS", path: ["database", "idleTimeoutMs"] },
  { env: "SCION_DB_MAX_LIFETIME_SECONDS", path: ["database", "maxLifetimeSeconds"] },
  { env: "SCION_DB_CONNECT_TIMEOUT_MS", path: ["database", "connectTimeoutMs"] },
  { env: "SESSION_SECRET", path: ["sessionSecret"] },
  { env: "SCION_AUTH_MODE", path: ["authMode"] },
  { env: "SCION_IAP_AUDIENCE", path: ["iap", "audience"] },
  { env: "SCION_IAP_JWKS_URL", path: ["iap", "jwksUrl"] },
  { env: "SCION_IAP_ISSUER", path: ["iap", "issuer"] },
  { env: "SCION_PUBLIC_URL", path: ["publicUrl"] },
  { env: "SCION_GOOGLE_CLIENT_ID", path: ["oauth", "google", "clientId"] },
  { env: "SCION_GOOGLE_CLIENT_SECRET", path: ["oauth", "google", "clientSecret"] },
  { env: "SCION_GITHUB_CLIENT_ID", path: ["oauth", "github", "clientId"] },
  { env: "SCION_GITHUB_CLIENT_SECRET", path: ["oauth", "github", "clientSecret"] },
  { env: "SCION_OIDC_ISSUER", path: ["oauth", "oidc", "issuer"] },
  { env: "SCION_OIDC_CLIENT_ID", path: ["oauth", "oidc", "clientId"] },
  { env: "SCION_OIDC_CLIENT_SECRET", path: ["oauth", "oidc", "clientSecret"] },
  { env: "SCION_OIDC_NAME", path: ["oauth", "oidc", "name"] },
  { env: "SCION_ADMIN_EMAILS", path: ["adminEmails"] },
  { env: "SCION_ALLOWED_DOMAINS", path: ["allowedDomains"] },
  { env: "SCION_LOCAL_BROKER", path: ["localBroker"] },
  { env: "SCION_ALLOW_PRIVATE_GIT_REMOTES", path: ["allowPrivateGitRemotes"] },
  // ---- Notifications (issue 14) ----
  { env: "SCION_ALLOW_PRIVATE_WEBHOOKS", path: ["notifications", "allowPrivateWebhooks"] },
  { env: "SCION_SMTP_URL", path: ["notifications", "smtpUrl"] },
  { env: "SCION_SMTP_FROM", path: ["notifications", "smtpFrom"] },
  { env: "SCION_NOTIFY_RETRY_BASE_MS", path: ["notifications", "retryBaseMs"] },
  { env: "SCION_INTERNAL_URL", path: ["internalUrl"] },
  { env: "SCION_METRICS_TOKEN", path: ["metricsToken"] },
  { env: "SCION_LOG_LEVEL", path: ["logLevel"] },
  // ---- Rate limits (issue 10) ----
  { env: "SCION_RATE_LIMIT_SIGN_INS_PER_MINUTE", path: ["rateLimits", "signInsPerMinute"] },
  { env: "SCION_RATE_LIMIT_TOKENS_PER_HOUR", path: ["rateLimits", "tokensPerHour"] },
  { env: "SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE", path: ["rateLimits", "agentCreationsPerMinute"] },
  { env: "SCION_RATE_LIMIT_EVENT_STREAMS", path: ["rateLimits", "eventStreams"] },
  { env: "SCION_TRUSTED_PROXY_HOPS", path: ["rateLimits", "trustedProxyHops"] },
  // --- Sessions, event streams and agent ownership (issue 10, sec-auth) ---
  { env: "SCION_MAX_AGENTS_PER_USER", path: ["maxAgentsPerUser"] },
  { env: "SCION_IDENTITY_HEADER_MAX_AGE_MS", path: ["identityHeaderMaxAgeMs"] },
  // --- end sec-auth ---
  { env: "SCION_HISTORY_RETENTION_DAYS", path: ["historyRetentionDays"] },
];

/** Settings whose values must never be echoed in an error message. */
export const SECRET_PATHS = new Set(["sessionSecret", "databaseUrl", "oauth", "metricsToken"]);
