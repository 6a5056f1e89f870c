import { expect, it } from "vitest";
import { openEventStream } from "../sse-client";
import { startTestHub } from "../start-test-hub";

it("GET /api/v1/events - open streams end promptly when the hub shuts down", async () => {
  const t = await startTestHub();
  const user = await t.createUser();
  const stream = await openEventStream(`${t.url}/api/v1/events`, { authorization: `Bearer ${user.token}` });
  expect(stream.res.status).toBe(200);
  const started = Date.now();
  await t.close();
  // Without ending the streams, shutdown would wait out its whole drain period.
  expect(Date.now() - started).toBeLessThan(3000);
  await expect(stream.next(() => false, 2000)).rejects.toThrow("stream closed");
});
