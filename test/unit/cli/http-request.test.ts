import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, HttpRequestError } from "../../../cli/lib/http-request";

let server: http.Server;
let base: string;
const hanging: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/hang") return void hanging.push(res);
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const status = req.url === "/missing" ? 404 : 200;
      res.writeHead(status, { "content-type": "application/json", "x-twice": ["a", "b"] });
      res.end(
        JSON.stringify({
          method: req.method,
          auth: req.headers.authorization ?? null,
          length: req.headers["content-length"] ?? null,
          body,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise((r) => server.close(r));
});

describe("the command line's HTTP requests", () => {
  it("sends the method, headers and a body with its length, and reads the whole answer", async () => {
    const answer = await httpRequest(new URL(`${base}/echo`), {
      method: "POST",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: JSON.stringify({ name: "é" }),
      timeoutMs: 5000,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ method: "POST", auth: "Bearer t", length: "13", body: '{"name":"é"}' });
    expect(answer.headers.get("Content-Type")).toBe("application/json");
    expect(answer.headers.get("x-twice")).toBe("a, b");
    expect(answer.headers.get("x-absent")).toBeNull();
  });

  it("returns an error status as an answer, not a failure", async () => {
    const answer = await httpRequest(new URL(`${base}/missing`), { method: "GET", headers: {}, timeoutMs: 5000 });
    expect(answer.status).toBe(404);
  });

  it("names a refused connection by its code, and gives up on a hub that does not answer", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(
      httpRequest(new URL(`http://127.0.0.1:${port}/`), { method: "GET", headers: {}, timeoutMs: 5000 }),
    ).rejects.toMatchObject({ reason: "ECONNREFUSED" });
    const started = Date.now();
    const hung = httpRequest(new URL(`${base}/hang`), { method: "GET", headers: {}, timeoutMs: 300 });
    await expect(hung).rejects.toBeInstanceOf(HttpRequestError);
    await expect(hung).rejects.toMatchObject({ reason: "timed out" });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("refuses a URL that is not http or https", async () => {
    await expect(
      httpRequest(new URL("ftp://127.0.0.1/"), { method: "GET", headers: {}, timeoutMs: 1000 }),
    ).rejects.toMatchObject({ reason: "unsupported protocol ftp:" });
  });
});
