import http from "node:http";
import https from "node:https";

export interface HttpAnswer {
  status: number;
  text: string;
  headers: { get(name: string): string | null };
}

export interface HttpRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole exchange, connect to the last byte. */
  timeoutMs: number;
}

/** Why a request failed before any answer: a socket error's code (ECONNREFUSED) or "timed out". */
export class HttpRequestError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * One request with node:http(s), the answer read whole. Not fetch: a process's first fetch loads
 * and compiles undici, about 60–100 ms of a one-shot command on a small VM (`node -e 0` takes 75).
 * Redirects are not followed and nothing is decompressed (no Accept-Encoding is sent).
 */
export function httpRequest(url: URL, init: HttpRequestInit): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
    if (!transport) return reject(new HttpRequestError(`unsupported protocol ${url.protocol}`));
    const headers = { ...init.headers };
    if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
    const req = transport.request(url, { method: init.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString("utf8"),
          headers: {
            get: (name) => {
              const value = res.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
            },
          },
        });
      });
    });
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new HttpRequestError(reason));
      req.destroy();
    };
    const timer = setTimeout(() => fail("timed out"), init.timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    req.end(init.body);
  });
}
