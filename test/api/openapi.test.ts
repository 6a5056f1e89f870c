import { afterAll, beforeAll, expect, it } from "vitest";
import { API_ROUTES } from "../../lib/api-spec/routes";
import { startTestHub, type TestHub } from "../start-test-hub";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

it("GET /api/v1/openapi.json - describes every route with the schemas that validate it", async () => {
  const res = await fetch(`${t.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  const spec = (await res.json()) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        {
          requestBody?: {
            content: { "application/json": { schema: { properties: Record<string, unknown>; required?: string[] } } };
          };
          parameters: Array<{ name: string; in: string }>;
        }
      >
    >;
  };
  expect(spec.openapi).toBe("3.1.0");
  const described = Object.entries(spec.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  expect(described.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  const create = spec.paths["/api/v1/agents"]!.post!.requestBody!.content["application/json"].schema;
  expect(create.required).toEqual(expect.arrayContaining(["projectId", "name"]));
  expect(Object.keys(create.properties)).toEqual(
    expect.arrayContaining(["projectId", "name", "brokerId", "harness", "command", "task", "env", "start"]),
  );
  expect(spec.paths["/api/v1/agents"]!.get!.parameters.map((p) => p.name)).toEqual(
    expect.arrayContaining(["limit", "cursor", "projectId", "brokerId", "phase", "activity", "q", "sort", "order"]),
  );
});
