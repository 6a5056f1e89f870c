import { z } from "zod";
import { API_ROUTES, type ApiRouteSpec } from "./routes";

const ERROR_ENVELOPE = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
    },
  },
};

const SECURITY_BY_ACCESS: Record<ApiRouteSpec["access"], Array<Record<string, string[]>>> = {
  public: [],
  user: [{ session: [] }, { bearer: [] }],
  admin: [{ session: [] }, { bearer: [] }],
  agent: [{ bearer: [] }],
  "agent-self": [{ bearer: [] }],
  any: [{ session: [] }, { bearer: [] }],
};

/** OpenAPI 3.1 for the whole API, built from the zod schemas that validate the requests. */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const queryParams = route.query ? queryParameters(route.query) : [];
    const status = String(route.status ?? 200);
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      "x-access": route.access,
      security: SECURITY_BY_ACCESS[route.access],
      parameters: [...params, ...queryParams],
      ...(route.body && {
        requestBody: { required: true, content: { "application/json": { schema: toSchema(route.body, "input") } } },
      }),
      responses: {
        [status]:
          status === "204"
            ? { description: "No content" }
            : {
                description: "OK",
                ...(route.response && {
                  content: { "application/json": { schema: toSchema(route.response, "output") } },
                }),
              },
        default: {
          description: "Error",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Scion Hub API", version },
    paths,
    components: {
      schemas: { Error: ERROR_ENVELOPE },
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A user API token (scion_u_…) or an agent token (scion_a_…)",
        },
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token" },
      },
    },
  };
}

function toSchema(schema: z.ZodType, io: "input" | "output"): unknown {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return json;
}

function queryParameters(schema: z.ZodType): unknown[] {
  const json = toSchema(schema, "input") as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}
