import { notFound } from "next/navigation";
import { getAgentOrThrow } from "@/lib/agents/get-agent-or-throw";
import type { Principal } from "@/lib/auth/principal";
import type { Agent } from "@/lib/db/generated/client";
import { ApiError } from "@/lib/http/api-error";
import type { HubRuntime } from "@/lib/runtime/hub-runtime";

/** The agent a page shows (project members see it read-only), through the API's own lookup; missing and unseen are the page's 404. */
export async function getPageAgent(runtime: HubRuntime, viewer: Principal, id: string): Promise<Agent> {
  try {
    return await getAgentOrThrow(runtime.db, viewer, id, "see");
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found") notFound();
    throw err;
  }
}
