import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLogger } from "../../silent-logger";
import { createTestDatabase, type TestDatabase } from "../../test-database";
import { createDatabase, type Database } from "../../../lib/db/create-database";
import { ApiError } from "../../../lib/http/api-error";
import { provisionUser } from "../../../lib/users/provision-user";

let tdb: TestDatabase;
let db: Database;
const policy = { adminEmails: ["boss@corp.example"], allowedDomains: ["corp.example"] };

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createDatabase(
    tdb.url,
    { poolMax: 5, idleTimeoutMs: 1000, maxLifetimeSeconds: 60, connectTimeoutMs: 2000 },
    captureLogger().logger,
  );
});
afterAll(async () => {
  await db.close();
  await tdb.drop();
});

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).message;
};

describe("provisionUser", () => {
  it("creates admins from the admin list and members from allowed domains, lowercasing emails", async () => {
    expect(await provisionUser(db.prisma, policy, { email: " Boss@Corp.Example " })).toMatchObject({
      email: "boss@corp.example",
      role: "admin",
      status: "active",
    });
    expect(await provisionUser(db.prisma, policy, { email: "dev@corp.example", name: "Dev" })).toMatchObject({
      role: "member",
      name: "Dev",
    });
  });

  it("admits an allow-listed email from any domain", async () => {
    await db.prisma.allowListEntry.create({ data: { email: "guest@elsewhere.example" } });
    expect(await provisionUser(db.prisma, policy, { email: "guest@elsewhere.example" })).toMatchObject({
      role: "member",
    });
  });

  it("is closed by default: nobody else gets in, and nothing is written", async () => {
    expect(await refusal(provisionUser(db.prisma, policy, { email: "stranger@elsewhere.example" }))).toBe(
      "stranger@elsewhere.example is not allowed to sign in to this hub. Ask an administrator to add it to the allow list.",
    );
    expect(
      await refusal(
        provisionUser(db.prisma, { adminEmails: [], allowedDomains: [] }, { email: "anyone@corp.example" }),
      ),
    ).toContain("not allowed");
    expect(
      await db.prisma.user.count({ where: { email: { in: ["stranger@elsewhere.example", "anyone@corp.example"] } } }),
    ).toBe(0);
  });

  it("refuses a suspended user", async () => {
    await db.prisma.user.create({ data: { email: "gone@corp.example", status: "suspended" } });
    expect(await refusal(provisionUser(db.prisma, policy, { email: "gone@corp.example" }))).toBe(
      "This account is suspended. Ask an administrator to reactivate it.",
    );
  });

  it("backfills an empty name and avatar but never overwrites them, and promotes a newly listed admin", async () => {
    await provisionUser(
      db.prisma,
      { adminEmails: [], allowedDomains: ["corp.example"] },
      { email: "kim@corp.example" },
    );
    const filled = await provisionUser(
      db.prisma,
      { ...policy, adminEmails: ["kim@corp.example"] },
      { email: "kim@corp.example", name: "Kim", avatarUrl: "https://img.example/k.png" },
    );
    expect(filled).toMatchObject({ name: "Kim", role: "admin" });
    await provisionUser(db.prisma, policy, { email: "kim@corp.example", name: "Someone Else" });
    expect(await db.prisma.user.findUniqueOrThrow({ where: { email: "kim@corp.example" } })).toMatchObject({
      name: "Kim",
      avatarUrl: "https://img.example/k.png",
    });
  });

  it("ten simultaneous first sign-ins of one person make one user", async () => {
    const users = await Promise.all(
      Array.from({ length: 10 }, () => provisionUser(db.prisma, policy, { email: "race@corp.example" })),
    );
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(await db.prisma.user.count({ where: { email: "race@corp.example" } })).toBe(1);
  });
});
