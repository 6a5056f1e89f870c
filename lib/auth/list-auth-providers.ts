import type { HubConfig } from "../config/schema";

export interface AuthProviders {
  mode: HubConfig["authMode"];
  providers: Array<{ id: string; name: string }>;
}

/** The sign-in options a login page offers. */
export function listAuthProviders(config: HubConfig): AuthProviders {
  if (config.authMode === "proxy") return { mode: "proxy", providers: [{ id: "iap", name: "Google IAP" }] };
  if (config.authMode === "dev") return { mode: "dev", providers: [{ id: "dev", name: "Local developer" }] };
  const providers: AuthProviders["providers"] = [];
  if (config.oauth.google) providers.push({ id: "google", name: "Google" });
  if (config.oauth.github) providers.push({ id: "github", name: "GitHub" });
  if (config.oauth.oidc) providers.push({ id: "oidc", name: config.oauth.oidc.name });
  return { mode: "oauth", providers };
}
