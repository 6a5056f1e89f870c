import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { API_ROUTES } from "../../../../lib/api-spec/routes";
import { MACHINE_ROUTES } from "../../../../lib/server/machine-routes";

/**
 * The API is listed three times: the route handlers in app/api (each declares its access class
 * through apiRoute), the machine routes server.ts answers before Next.js, and API_ROUTES, which
 * the authorization matrix, the fuzz test and the OpenAPI document are built from. They must
 * agree on method, path and access, or a new route escapes those tests and the document.
 */

const ROOT = path.resolve(import.meta.dirname, "../../../..");
const APP_API = path.join(ROOT, "app", "api");
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** Route files under app/api that are not part of the API the list describes, and why. */
const NOT_THE_API = {
  // next-auth's sign-in, callback and sign-out endpoints (oauth mode).
  "app/api/auth/[...nextauth]/route.ts": "next-auth",
  // Any /api path no route claims: the JSON 404 envelope for every method.
  "app/api/[...path]/route.ts": "catch-all 404",
  // The benchmarks' baseline: fixed bytes through Next.js, 404 unless SCION_BENCH_FIXED_BODY is set.
  "app/api/bench/fixed/route.ts": "benchmark baseline",
};
/** Machine routes outside /api, documented in docs/api.md as outside the list. */
const OPERATIONS = ["GET /healthz", "GET /readyz", "GET /metrics"];

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [path.relative(ROOT, full).split(path.sep).join("/")] : [];
  });
}

/** app/api/v1/agents/[id]/route.ts → /api/v1/agents/{id}, as API_ROUTES writes it. */
function urlPathOf(file: string): string {
  const dirs = file.replace(/^app/, "").replace(/\/route\.ts$/, "");
  return dirs.replace(/\[([^\].]+)\]/g, "{$1}");
}

/** "METHOD /path" → access, for every handler exported by the app/api route files of the API. */
async function appRoutes(): Promise<Record<string, string>> {
  const routes: Record<string, string> = {};
  for (const file of routeFiles(APP_API)) {
    if (file in NOT_THE_API) continue;
    const mod = (await import(path.join(ROOT, file))) as Record<string, unknown>;
    const methods = HTTP_METHODS.filter((m) => m in mod);
    expect(methods, `${file} exports no HTTP method`).not.toEqual([]);
    for (const method of methods) {
      const access = (mod[method] as { access?: string }).access;
      expect(access, `${method} in ${file} does not go through apiRoute (lib/http/api-route.ts)`).toBeTypeOf("string");
      routes[`${method} ${urlPathOf(file)}`] = access!;
    }
  }
  return routes;
}

function machineRoutes(): Record<string, string> {
  return Object.fromEntries(
    MACHINE_ROUTES.filter((r) => r.path.startsWith("/api/")).map((r) => [
      `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`,
      r.access,
    ]),
  );
}

const sorted = (routes: Record<string, string>) => Object.fromEntries(Object.entries(routes).sort());

describe("one list of routes", () => {
  it("API_ROUTES names each route once", () => {
    const keys = API_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it("every app/api handler and every /api machine route is in API_ROUTES with its access, and nothing else is", async () => {
    const app = await appRoutes();
    const machine = machineRoutes();
    // The two ways of serving never claim the same route.
    expect(Object.keys(machine).filter((k) => k in app)).toEqual([]);
    const listed = Object.fromEntries(API_ROUTES.map((r) => [`${r.method} ${r.path}`, r.access]));
    // A route in one list and not the other shows up as a missing or extra key, a different
    // access as a different value.
    expect(sorted({ ...app, ...machine })).toEqual(sorted(listed));
  });

  it("only next-auth, the catch-all 404 and the operations endpoints are outside the list", () => {
    for (const file of Object.keys(NOT_THE_API)) expect(fs.existsSync(path.join(ROOT, file)), file).toBe(true);
    expect(
      MACHINE_ROUTES.filter((r) => !r.path.startsWith("/api/"))
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([...OPERATIONS].sort());
  });
});
