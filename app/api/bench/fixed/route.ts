import fs from "node:fs";

export const dynamic = "force-dynamic";

/**
 * GET /api/bench/fixed: the baseline of the API benchmarks (bench/), a Next.js route handler that
 * answers the bytes of the file `SCION_BENCH_FIXED_BODY` names, so the hub's own route is
 * compared with Next.js doing nothing but answer. Without that setting (every real hub) it
 * does not exist.
 */
export function GET(): Response {
  const file = process.env.SCION_BENCH_FIXED_BODY;
  if (!file) return Response.json({ error: { code: "not_found", message: "No such page." } }, { status: 404 });
  return new Response(fs.readFileSync(file), { headers: { "content-type": "application/json" } });
}
