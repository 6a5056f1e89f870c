import { markStaleBrokersOfflineOperation } from "./mark-stale-brokers-offline";
import type { MaintenanceOperationSpec } from "./operation-spec";
import { purgeMessagesOperation } from "./purge-messages";
import { reapStuckDispatchesOperation } from "./reap-stuck-dispatches";
import { resetAuthAllOperation } from "./reset-auth-all";

/**
 * The built-in maintenance operations, in the order the admin page shows them. Each lives in a
 * file of its own (lib/maintenance/operation-spec.ts says what one is); none imports this list.
 */
export const OPERATIONS: MaintenanceOperationSpec[] = [
  resetAuthAllOperation,
  purgeMessagesOperation,
  markStaleBrokersOfflineOperation,
  reapStuckDispatchesOperation,
];

export function findOperation(key: string): MaintenanceOperationSpec | undefined {
  return OPERATIONS.find((o) => o.key === key);
}
