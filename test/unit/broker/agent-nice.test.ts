import { describe, expect, it } from "vitest";
import { loadBrokerConfig } from "../../../broker/config";

const base = { SCION_HUB_URLS: "http://127.0.0.1:3000", SCION_DATA_DIR: "/tmp/scion-broker-config-test" };

describe("SCION_AGENT_NICE", () => {
  it("keeps agents at the broker's CPU priority unless told otherwise", () => {
    expect(loadBrokerConfig(base).agentNice).toBe(0);
    expect(loadBrokerConfig({ ...base, SCION_AGENT_NICE: "" }).agentNice).toBe(0);
    expect(loadBrokerConfig({ ...base, SCION_AGENT_NICE: "10" }).agentNice).toBe(10);
    expect(loadBrokerConfig({ ...base, SCION_AGENT_NICE: " 19 " }).agentNice).toBe(19);
  });

  it("refuses what is not a nice value from 0 to 19, naming the setting", () => {
    for (const bad of ["20", "-5", "5.5", "ten", "010x"])
      expect(() => loadBrokerConfig({ ...base, SCION_AGENT_NICE: bad })).toThrow(
        /^SCION_AGENT_NICE: must be a nice value from 0/,
      );
  });
});
