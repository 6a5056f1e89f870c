import { describe, expect, it } from "vitest";
import type { Principal, UserIdentity } from "../../../../lib/auth/principal";
import { isProjectManager, projectRoleOf, visibleProjectsWhere } from "../../../../lib/projects/project-access";

const user = (
  id: string,
  role: "admin" | "member" = "member",
  status: "active" | "suspended" = "active",
): UserIdentity => ({
  id,
  email: `${id}@example.com`,
  name: null,
  role,
  status,
});
const asPrincipal = (u: UserIdentity): Principal => ({ kind: "user", via: "token", user: u });

describe("project roles", () => {
  it("admins are admin, the creator and manager members manage, members do not, others have no role", () => {
    const project = { createdById: "creator" };
    expect(projectRoleOf(user("root", "admin"), project, null)).toBe("admin");
    expect(projectRoleOf(user("creator"), project, null)).toBe("manager");
    expect(projectRoleOf(user("m"), project, "manager")).toBe("manager");
    expect(projectRoleOf(user("m"), project, "member")).toBe("member");
    expect(projectRoleOf(user("x"), project, undefined)).toBeNull();
    expect(projectRoleOf(user("creator", "member", "suspended"), project, "manager")).toBeNull();
    expect(["admin", "manager", "member", null].map((r) => isProjectManager(r as never))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it("visibility: admins see all, people hub projects and their own, suspended people nothing", () => {
    expect(visibleProjectsWhere(asPrincipal(user("root", "admin")))).toEqual({});
    expect(visibleProjectsWhere(asPrincipal(user("p")))).toEqual({
      OR: [{ visibility: "hub" }, { createdById: "p" }, { members: { some: { userId: "p" } } }],
    });
    expect(visibleProjectsWhere(asPrincipal(user("p", "member", "suspended")))).toEqual({
      id: "00000000-0000-0000-0000-000000000000",
    });
  });
});
