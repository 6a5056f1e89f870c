import { reapAgentsUnder } from "../../test/reap-agents";

/** The proxy-mode hub's agents (and their users) must not outlive the run either (see global-teardown.ts). */
export default function iapTeardown(): void {
  const dir = process.env.E2E_IAP_DATA_DIR;
  if (dir) reapAgentsUnder(dir);
}
