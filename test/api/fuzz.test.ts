import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { API_ROUTES, type ApiRouteSpec } from "../../lib/api-spec/routes";
import { mintAgentToken } from "../../lib/auth/agent-token";
import { ERROR_STATUS } from "../../lib/http/error-codes";
import { startTestHub, type TestHub, type TestUser } from "../start-test-hub";
import { rawBytes } from "./raw-http";

/**
 * Throws a few thousand generated bad requests at every route: malformed and mistyped JSON,
 * deeply nested and very wide JSON, bodies that are not UTF-8, unknown enum values and fields,
 * oversize bodies, non-UUID ids, path tricks and malformed percent escapes, bad query parameters
 * and garbage credentials. Every answer must be a 4xx (or a success for the odd
 * request that happens to be valid) carrying the error envelope; never a 5xx. The generator is
 * seeded, so a failure reproduces.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 100);
const CONCURRENCY = 6;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const BAD_IDS = [
  "%E0%A4%A",
  "%zz",
  "%",
  "%FF%FE",
  "%C3%28",
  "%ED%A0%80",
  "..",
  "..%2F..%2Fetc%2Fpasswd",
  "%00",
  "a".repeat(300),
  "00000000-0000-0000-0000-00000000000g",
  "'%20OR%201%3D1%20--",
  "%E2%80%AE",
  "%3Cscript%3E",
  "-1",
  "null",
  "%25",
  "00000000-0000-4000-8000-000000000000",
  "%F0%9F%92%A5",
  "..;",
  "agent%2F..%2F..%2Fusers",
];
const MALFORMED: Array<string | Uint8Array<ArrayBuffer>> = [
  ...[
    "{",
    "[",
    "nul",
    '{"a":}',
    '"str"',
    "123",
    "true",
    "null",
    "",
    "\u0000",
    "{'single':1}",
    '{"a":1,}',
    "\uFEFF{}",
    '{"__proto__":{"x":1}}',
    "[".repeat(5000),
  ],
  // Deep and wide: the parsed value itself is the attack.
  "[".repeat(5000) + "]".repeat(5000),
  '{"a":'.repeat(3000) + "1" + "}".repeat(3000),
  `{"name":${"[".repeat(2000)}${"]".repeat(2000)},"env":{"A":"1"}}`,
  `[${"0,".repeat(200_000)}0]`,
  JSON.stringify(Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`k${i}`, i]))),
  JSON.stringify({ name: "wide", env: Object.fromEntries(Array.from({ length: 9_999 }, (_, i) => [`K${i}`, i])) }),
  // Not UTF-8: invalid bytes, a lone surrogate, and UTF-16.
  Uint8Array.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  Uint8Array.from([0xc0, 0xaf, 0xe0, 0x80, 0xaf, 0xf8, 0x88, 0x80, 0x80, 0x80]),
  '{"name":"\ud800","detail":"\udfff"}',
  Buffer.from('{"name":"utf16"}', "utf16le"),
];
const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1e308,
  3.14,
  "",
  " ",
  "x".repeat(70_000),
  [],
  [1, "a"],
  {},
  { nested: { deep: [{}] } },
  "flying",
  "ADMIN",
  "%00",
  "\u0000",
  "2026-13-45",
  "00000000-0000-4000-8000-000000000000",
];
const BAD_QUERIES = [
  "q=%zz",
  "q=%FF%FE",
  "limit=%",
  "cursor=%E0%A4%A",
  "sub=%C3%28",
  "phase=%ED%A0%80",
  "limit=-1",
  "limit=0",
  "limit=501",
  "limit=abc",
  "limit=1e3",
  "limit=99999999999999999999",
  "cursor=%%%",
  "cursor=bm90IGpzb24",
  "cursor=WzEsMiwzXQ",
  "sort=evil",
  "order=sideways",
  "phase=flying",
  "activity=dancing",
  "projectId=nope",
  "q=" + "x".repeat(500),
  "sub=a..b",
  "sub=%3E.x",
  "role=owner",
  "status=maybe",
];
const FIELDS = [
  "name",
  "projectId",
  "brokerId",
  "harness",
  "command",
  "task",
  "env",
  "start",
  "role",
  "status",
  "phase",
  "activity",
  "detail",
  "heartbeat",
  "expiresInDays",
  "slug",
  "gitRemote",
  "defaultBrokerId",
  "body",
  "channel",
  "threadId",
];

let t: TestHub;
let admin: TestUser;
let agentId: string;
let agentToken: string;
let projectId: string;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.createUser({ role: "admin" });
  projectId = (
    (await (await admin.request("/api/v1/projects", { method: "POST", json: { name: "fuzz" } })).json()) as {
      id: string;
    }
  ).id;
  const agent = (await (
    await admin.request("/api/v1/agents", { method: "POST", json: { projectId, name: "target" } })
  ).json()) as { id: string };
  agentId = agent.id;
  const row = await t.hub.runtime.prisma.agent.findUniqueOrThrow({ where: { id: agentId } });
  agentToken = (await mintAgentToken(t.hub.runtime.sessionSecret, row)).token;
});
afterAll(async () => {
  await t.close();
});

interface BadRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

function generate(route: ApiRouteSpec, next: () => number): BadRequest {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const token = route.access === "agent-self" ? agentToken : admin.token;
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let path = route.path
    .replace("{id}", route.path.startsWith("/api/v1/projects") ? projectId : agentId)
    .replace("{agentId}", agentId)
    .replace("{userId}", admin.user.id)
    .replace("{key}", "purge-messages");
  let query = "";
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  // A DELETE that succeeded would remove the fixture every later request aims at.
  const kind = route.method === "DELETE" ? (next() < 0.5 ? next() * 0.2 : 0.35 + next() * 0.05) : next();
  if (kind < 0.2 && route.path.includes("{")) {
    const segments = route.path.split("/");
    const at = segments.findIndex((s) => s.startsWith("{"));
    const real = path.split("/");
    real[at] = pick(BAD_IDS);
    path = real.join("/");
  } else if (kind < 0.35) {
    query = [pick(BAD_QUERIES), pick(BAD_QUERIES)].join("&");
  } else if (kind < 0.4) {
    headers.authorization = pick([
      "Bearer",
      "Bearer scion_u_",
      "Bearer scion_a_x.y.z",
      "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
      "Bearer " + "a".repeat(10_000),
      "bearer scion_u_eyJhbGciOiJub25lIn0.e30.",
    ]);
  } else if (route.method !== "GET") {
    headers["content-type"] =
      next() < 0.9
        ? "application/json"
        : pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]);
    const shape = next();
    if (shape < 0.3) body = pick(MALFORMED);
    else if (shape < 0.33) body = JSON.stringify({ name: "x".repeat(1024 * 1024 + 1) });
    else {
      const obj: Record<string, unknown> = {};
      const n = 1 + Math.floor(next() * 4);
      for (let i = 0; i < n; i++) obj[pick(FIELDS)] = pick(WEIRD_VALUES);
      if (next() < 0.2) obj[`unknown_${Math.floor(next() * 1000)}`] = 1;
      body = JSON.stringify(next() < 0.1 ? [obj] : obj);
    }
  }
  return { method: route.method, url: `${t.url}${path}${query ? `?${query}` : ""}`, headers, body };
}

describe("hostile input", () => {
  it(`${API_ROUTES.length * PER_ROUTE} generated bad requests: no 5xx, an envelope on every error`, async () => {
    const next = rng(SEED);
    const requests = API_ROUTES.flatMap((route) => Array.from({ length: PER_ROUTE }, () => generate(route, next)));
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let index = 0;
    const worker = async () => {
      while (index < requests.length) {
        const r = requests[index++]!;
        const controller = new AbortController();
        const res = await fetch(r.url, {
          method: r.method,
          headers: r.headers,
          body: r.body,
          signal: controller.signal,
          redirect: "manual",
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
          controller.abort();
          continue;
        }
        const text = await res.text();
        const shown = typeof r.body === "string" ? r.body.slice(0, 60) : r.body ? `${r.body.length} bytes` : "";
        const label = `${r.method} ${r.url.slice(t.url.length, t.url.length + 120)} [${shown}] → ${res.status}`;
        if (res.status >= 500) failures.push(`${label}: ${text.slice(0, 200)}`);
        else if (res.status >= 400) {
          try {
            const { error } = JSON.parse(text) as { error: { code: keyof typeof ERROR_STATUS; message: string } };
            if (typeof error?.message !== "string" || ERROR_STATUS[error.code] !== res.status)
              failures.push(`${label}: envelope ${text.slice(0, 200)}`);
          } catch {
            failures.push(`${label}: not JSON: ${text.slice(0, 120)}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `fuzz: ${requests.length} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
    expect(failures.slice(0, 25)).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
  }, 240_000); // thousands of requests through Next.js on two shared cores; a ceiling, not a speed check
});

describe("hostile requests below the API: headers, raw bytes, escapes on every kind of path", () => {
  const statusOf = (line: string) => Number(/^HTTP\/1\.1 (\d{3}) /.exec(line)?.[1] ?? 0);

  it("oversize headers get 431 from Node (one huge header, many headers, a huge cookie) and the hub keeps serving", async () => {
    const requests = [
      `GET /api/v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${admin.token}\r\nX-Big: ${"a".repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 4000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\nConnection: close\r\n\r\n`,
      `POST /api/v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: next-auth.session-token=${"x".repeat(40_000)}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      `GET /api/v1/agents/${agentId}/pty HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
    ];
    for (const request of requests) expect(statusOf(await rawBytes(t.url, request)), request.slice(0, 60)).toBe(431);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await admin.request("/api/v1/agents")).status).toBe(200);
  });

  it("bytes that are not UTF-8 in paths and query strings, raw or escaped: 4xx, never 5xx", async () => {
    const lines: Array<[string, Buffer]> = [];
    const raw = (...parts: Array<string | number[]>) =>
      Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
    const tail = ` HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${admin.token}\r\nConnection: close\r\n\r\n`;
    for (const prefix of [
      "/api/v1/agents/",
      "/agents/",
      "/",
      "/api/v1/agents?q=",
      "/agents?x=",
      `/api/v1/agents/${agentId}/status?`,
    ]) {
      lines.push([`${prefix} raw`, raw("GET ", prefix, [0xff, 0xfe, 0xc3, 0x28], tail)]);
      lines.push([`${prefix} escaped`, raw("GET ", prefix, "%FF%FE%C3%28%E0%A4%A", tail)]);
      lines.push([`${prefix} post`, raw("POST ", prefix, "%ED%A0%80", tail)]);
    }
    for (const [label, bytes] of lines) {
      const status = statusOf(await rawBytes(t.url, bytes));
      expect(status >= 200 && status < 500, `${label} → ${status}`).toBe(true);
    }
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it("malformed percent escapes in page, asset and WebSocket paths: 400, never 500", async () => {
    for (const path of [
      "/%",
      "/agents/%zz",
      "/projects/%E0%A4%A",
      "/_next/static/%zz.js",
      "/login%",
      "/agents/%C3%28/terminal",
    ]) {
      const res = await fetch(`${t.url}${path}`, { headers: { accept: "text/html" } });
      expect(res.status, path).toBe(400);
    }
    const ws = new WebSocket(`${t.url.replace("http", "ws")}/api/v1/agents/%zz/pty`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    const status = await new Promise<number>((resolve) =>
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(400);
  });
});
