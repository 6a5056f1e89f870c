import type { HubConfig } from "../config/schema";

export interface AuthProviders {
  mode: HubConfig["authMode"];
  providers: Array<{ id: string; name: string }>;
}

/** The sign-in options a login page offers. OAuth providers join as they are configured. */
export function listAuthProviders(config: HubConfig): AuthProviders {
  if (config.authMode === "proxy") return { mode: "proxy", providers: [{ id: "iap", name: "Google IAP" }] };
  if (config.authMode === "dev") return { mode: "dev", providers: [{ id: "dev", name: "Local developer" }] };
  return { mode: "oauth", providers: [] };
}
