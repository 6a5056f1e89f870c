import { describe, expect, it } from "vitest";
import { AgentJsonCache } from "../../../../lib/agents/list-agents";

describe("AgentJsonCache", () => {
  it("answers only for the row version it holds, and a newer version replaces the older", () => {
    const cache = new AgentJsonCache();
    cache.set("a", "100", '{"v":1}');
    expect(cache.get("a", "100")).toBe('{"v":1}');
    expect(cache.get("a", "101")).toBeUndefined();
    expect(cache.get("b", "100")).toBeUndefined();
    cache.set("a", "101", '{"v":2}');
    expect(cache.get("a", "101")).toBe('{"v":2}');
    expect(cache.get("a", "100")).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it("forgets an entry after its time to live, so a transaction id that comes round again cannot name it", () => {
    let now = 1_000;
    const cache = new AgentJsonCache(() => now);
    cache.set("a", "7", "x");
    now += AgentJsonCache.ENTRY_TTL_MS;
    expect(cache.get("a", "7")).toBe("x");
    now += 1;
    expect(cache.get("a", "7")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("holds at most MAX_ENTRIES, dropping the longest unwritten first", () => {
    const cache = new AgentJsonCache();
    for (let i = 0; i < AgentJsonCache.MAX_ENTRIES; i++) cache.set(`id-${i}`, "1", String(i));
    cache.set("id-0", "2", "rewritten");
    cache.set("one-more", "1", "new");
    expect(cache.size).toBe(AgentJsonCache.MAX_ENTRIES);
    expect(cache.get("id-1", "1")).toBeUndefined();
    expect(cache.get("id-0", "2")).toBe("rewritten");
    expect(cache.get("one-more", "1")).toBe("new");
    expect(cache.get("id-2", "1")).toBe("2");
  });
});
