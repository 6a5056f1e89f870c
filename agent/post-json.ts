import http from "node:http";
import https from "node:https";

/**
 * A connection kept open between reports (a shim reports on every hook), closed after 4 s idle:
 * before the hub's own 5 s, so a report never goes out on a connection the hub is closing.
 */
const KEEP_ALIVE = { keepAlive: true, maxSockets: 4, timeout: 4000 };
const agents = { "http:": new http.Agent(KEEP_ALIVE), "https:": new https.Agent(KEEP_ALIVE) };

/**
 * POSTs JSON with a bearer token and reads the JSON answer (`{}` when it is not JSON). node:http
 * rather than fetch: a long-lived shim posts on every hook of its harness, and fetch (undici)
 * costs about twice the CPU per request here; many shims share one machine.
 */
export function postJson(
  url: URL,
  token: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; json: unknown }> {
  const payload = JSON.stringify(body);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") return Promise.reject(new Error(`unsupported hub URL ${url.origin}`));
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, {
      method: "POST",
      agent: agents[secure ? "https:" : "http:"],
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
      },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      res.once("end", () => {
        clearTimeout(timer);
        let json: unknown = {};
        try {
          json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          // not JSON: {}
        }
        resolve({ status: res.statusCode ?? 500, json });
      });
    });
    req.end(payload);
  });
}
