/**
 * Git branch names, as `git check-ref-format --branch` accepts them, checked without running git
 * (the hub validates a create request's branch; the broker checks what reaches it again). Shared
 * by the hub and the broker: pure.
 */
export function isGitBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 200) return false;
  if (name.startsWith("-") || name.startsWith("/") || name.endsWith("/") || name.endsWith(".") || name === "@")
    return false;
  // Control characters, space, ~ ^ : ? * [ \, "..", "@{", "//", and components ending in .lock.
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|\.lock(\/|$)/.test(name)) return false;
  return name.split("/").every((part) => part.length > 0 && !part.startsWith("."));
}

/** The branch an agent works on unless its create request names one. */
export function agentBranchName(agentSlug: string): string {
  return `scion/${agentSlug}`;
}
