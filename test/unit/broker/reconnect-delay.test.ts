import { describe, expect, it } from "vitest";
import { BACKOFF_MAX_MS, reconnectDelay } from "../../../broker/control-channel-client";

const highest = () => 0.999999;

describe("a broker's reconnect delay", () => {
  it("doubles from half a second, and a broker that keeps failing still tries again within 10 s", () => {
    const ceilings = Array.from({ length: 12 }, (_, attempt) => reconnectDelay(attempt, undefined, undefined, highest));
    expect(ceilings.slice(0, 5)).toEqual([499, 999, 1999, 3999, 7999]);
    // A hub restart that lasted long enough for many failures: nobody waits past the ceiling, so
    // the whole fleet is back within about 10 s of the hub answering again.
    expect(BACKOFF_MAX_MS).toBe(10_000);
    expect(Math.max(...ceilings)).toBeLessThan(10_000);
    expect(ceilings.slice(5)).toEqual(Array(7).fill(9999));
  });

  it("is spread over the whole window (full jitter), and follows a broker's own base and ceiling", () => {
    expect(reconnectDelay(3, undefined, undefined, () => 0)).toBe(0);
    expect(reconnectDelay(3, undefined, undefined, () => 0.5)).toBe(2000);
    expect(reconnectDelay(10, 50, 200, highest)).toBe(199);
    expect(reconnectDelay(1, 50, 200, highest)).toBe(99);
  });
});
