/**
 * A principal id (`user:<uuid>`, `agent:<uuid>`, `broker:<id>`, `system`) as a person reads it:
 * the name or email the hub looked up, else what kind of actor it is. Never a raw uuid.
 */
export function personLabel(ref: string | null | undefined, name?: string | null): string {
  if (name) return name;
  if (!ref) return "—";
  if (ref === "system") return "the hub";
  if (ref.startsWith("agent:")) return "an agent";
  if (ref.startsWith("broker:")) return "a broker";
  return "a person";
}
