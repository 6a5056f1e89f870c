import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../../lib/config/load-config";

function dirWith(yaml?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scion-config-limits-"));
  if (yaml !== undefined) fs.writeFileSync(path.join(dir, "scion.yaml"), yaml);
  return dir;
}

describe("rate-limit settings", () => {
  it("default to 10 sign-ins a minute per address, 20 tokens an hour, 60 agents a minute, 20 open streams, no trusted proxy", () => {
    expect(loadConfig({ env: {}, cwd: dirWith() }).rateLimits).toEqual({
      signInsPerMinute: 10,
      tokensPerHour: 20,
      agentCreationsPerMinute: 60,
      eventStreams: 20,
      trustedProxyHops: 0,
    });
  });

  it("come from scion.yaml, the environment winning; 0 turns one off", () => {
    const cwd = dirWith("rateLimits:\n  signInsPerMinute: 5\n  eventStreams: 3\n  trustedProxyHops: 1\n");
    const config = loadConfig({
      env: {
        SCION_RATE_LIMIT_EVENT_STREAMS: "7",
        SCION_RATE_LIMIT_AGENT_CREATIONS_PER_MINUTE: "0",
        SCION_RATE_LIMIT_TOKENS_PER_HOUR: "2",
      },
      cwd,
    });
    expect(config.rateLimits).toEqual({
      signInsPerMinute: 5,
      tokensPerHour: 2,
      agentCreationsPerMinute: 0,
      eventStreams: 7,
      trustedProxyHops: 1,
    });
  });

  it("a bad value stops the hub with one line naming the variable or key", () => {
    expect(() => loadConfig({ env: { SCION_RATE_LIMIT_SIGN_INS_PER_MINUTE: "lots" }, cwd: dirWith() })).toThrow(
      "SCION_RATE_LIMIT_SIGN_INS_PER_MINUTE: must be a whole number",
    );
    expect(() => loadConfig({ env: {}, cwd: dirWith("rateLimits:\n  trustedProxyHops: 99\n") })).toThrow(
      "scion.yaml: rateLimits.trustedProxyHops: must be at most 10",
    );
  });
});
