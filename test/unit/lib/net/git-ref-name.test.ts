import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { agentBranchName, isGitBranchName } from "../../../../lib/net/git-ref-name";

const NAMES = [
  "scion/reviewer",
  "main",
  "feature/x-1.2",
  "a/b/c",
  "-leading-dash",
  "/leading-slash",
  "trailing/",
  "trailing.",
  "dot..dot",
  "with space",
  "tilde~1",
  "caret^",
  "colon:x",
  "question?",
  "star*",
  "bracket[",
  "back\\slash",
  "at@{brace",
  "double//slash",
  "x.lock",
  "x.lock/y",
  "a/.hidden",
  "tab\tname",
  "ok@name",
];

describe("git branch names", () => {
  it("agrees with git check-ref-format --branch", () => {
    for (const name of NAMES) {
      let git = true;
      try {
        execFileSync("git", ["check-ref-format", "--branch", name], { stdio: "ignore" });
      } catch {
        git = false;
      }
      expect(isGitBranchName(name), name).toBe(git);
    }
    // git reads a lone @ as HEAD; as a branch name it is refused (git branch @ fails).
    expect(isGitBranchName("@")).toBe(false);
    expect(isGitBranchName("")).toBe(false);
    expect(isGitBranchName("x".repeat(201))).toBe(false);
  });

  it("an agent's branch is scion/<slug>", () => {
    expect(agentBranchName("code-reviewer")).toBe("scion/code-reviewer");
    expect(isGitBranchName(agentBranchName("code-reviewer"))).toBe(true);
  });
});
