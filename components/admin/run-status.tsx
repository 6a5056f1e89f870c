import { StatusBadge } from "../ui/status-badge";

const RUN_STATUS = {
  running: { label: "Running", tone: "blue", pulse: true },
  completed: { label: "Completed", tone: "green", pulse: false },
  failed: { label: "Failed", tone: "red", pulse: false },
  aborted: { label: "Aborted", tone: "grey", pulse: false },
} as const;

export function RunStatus({ status }: { status: keyof typeof RUN_STATUS }) {
  return <StatusBadge status={RUN_STATUS[status] ?? RUN_STATUS.failed} />;
}
