import { reapAgentsUnder } from "../../test/reap-agents";

/** Agents outlive their broker by design; the journeys' agents (and their users) must not outlive the run. */
export default function globalTeardown(): void {
  for (const dir of [process.env.E2E_DATA_DIR, process.env.E2E_OAUTH_DATA_DIR]) if (dir) reapAgentsUnder(dir);
}
