import fs from "node:fs";
import { postJson } from "./post-json";

export interface AgentHubClientOptions {
  hubUrl: string;
  /** Other hub replicas to try, in order, when the current one cannot be reached. */
  fallbackUrls?: string[];
  agentId: string;
  tokenFile: string;
  log: (level: "info" | "warn", message: string) => void;
}

export class HubRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HubRequestError";
  }
}

/**
 * The shim's client for the hub: reports status with the agent's own token, read from its token
 * file (0600) at start and again on reloadToken() (SIGUSR2 after reset-auth); retries network
 * errors and 5xx three times (0.5 s, 1 s, 2 s), never 4xx; refreshes the token and writes it
 * back atomically.
 */
export class AgentHubClient {
  private token: string;

  constructor(private readonly opts: AgentHubClientOptions) {
    this.token = readToken(opts.tokenFile);
  }

  private urls(): string[] {
    return [this.opts.hubUrl, ...(this.opts.fallbackUrls ?? []).filter((u) => u !== this.opts.hubUrl)];
  }

  private urlIndex = 0;

  private get currentUrl(): string {
    const urls = this.urls();
    return urls[this.urlIndex % urls.length]!;
  }

  private rotate(): void {
    if (this.urls().length > 1) {
      this.urlIndex++;
      this.opts.log("warn", `the hub did not answer; trying ${this.currentUrl}`);
    }
  }

  reloadToken(): void {
    this.token = readToken(this.opts.tokenFile);
  }

  /** Seconds since the epoch at which the current token expires (read, not verified). */
  tokenExpiry(): number | undefined {
    return tokenExpiry(this.token);
  }

  async report(body: Record<string, unknown>): Promise<void> {
    await this.post(`/api/v1/agents/${this.opts.agentId}/status`, body);
  }

  /** A message from the agent to its owner (`scion-agent say|ask`); the hub's message JSON back. */
  async message(body: { body: string; kind: "say" | "ask" }): Promise<{ id: string }> {
    return (await this.post(`/api/v1/agents/${this.opts.agentId}/messages`, body)) as { id: string };
  }

  async refreshToken(): Promise<void> {
    const result = (await this.post(`/api/v1/agents/${this.opts.agentId}/token/refresh`, {})) as { token?: string };
    if (typeof result.token !== "string") throw new Error("the hub answered without a token");
    const tmp = `${this.opts.tokenFile}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, `${result.token}\n`, { mode: 0o600 });
    fs.renameSync(tmp, this.opts.tokenFile);
    this.token = result.token;
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const delays = [500, 1000, 2000];
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await postJson(new URL(path, this.currentUrl), this.token, body, 10_000);
        const answer = res.json as { error?: { message?: string } };
        if (res.status >= 200 && res.status < 300) return answer;
        const error = new HubRequestError(res.status, answer.error?.message ?? `HTTP ${res.status}`);
        if (res.status < 500) throw error;
        if (attempt >= delays.length) throw error;
      } catch (err) {
        if (err instanceof HubRequestError && err.status < 500) throw err;
        // Unreachable (not an answer): the next hub replica, if there is one, takes the retry.
        if (!(err instanceof HubRequestError)) this.rotate();
        if (attempt >= delays.length) throw err;
      }
      await new Promise((r) => setTimeout(r, delays[attempt]));
    }
  }
}

export function readToken(file: string): string {
  const token = fs.readFileSync(file, "utf8").trim();
  if (!token) throw new Error(`the token file ${file} is empty`);
  return token;
}

/** The `exp` claim of a JWT-shaped token (after our prefix), without verifying it. */
export function tokenExpiry(token: string): number | undefined {
  try {
    const payload = token.replace(/^scion_[a-z]_/, "").split(".")[1];
    const exp = (JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** The client for this agent's shim configuration (its hub URLs, id and token file). */
export function clientFor(
  config: { hubUrl: string; hubUrls: string[]; agentId: string; tokenFile: string },
  log: (level: "info" | "warn", message: string) => void,
): AgentHubClient {
  return new AgentHubClient({
    hubUrl: config.hubUrl,
    fallbackUrls: config.hubUrls,
    agentId: config.agentId,
    tokenFile: config.tokenFile,
    log,
  });
}
