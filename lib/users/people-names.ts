import type { PrismaClient } from "../db/create-database";

const USER_REF = /^user:([0-9a-f-]{36})$/i;

/**
 * How the dashboard names the people behind principal ids (`user:<uuid>`, or a bare user id):
 * their name, else their email. One query for the whole batch; ids of agents, brokers, the hub
 * and people no longer on the hub are left out (the caller shows its own fallback).
 */
export async function peopleNames(prisma: PrismaClient, refs: Iterable<string | null | undefined>) {
  const ids = new Map<string, string[]>();
  for (const ref of refs) {
    if (!ref) continue;
    const id = (USER_REF.exec(ref)?.[1] ?? (/^[0-9a-f-]{36}$/i.test(ref) ? ref : null))?.toLowerCase();
    if (id) ids.set(id, [...(ids.get(id) ?? []), ref]);
  }
  const names = new Map<string, string>();
  if (ids.size === 0) return names;
  const users = await prisma.user.findMany({
    where: { id: { in: [...ids.keys()] } },
    select: { id: true, name: true, email: true },
  });
  for (const u of users) for (const ref of ids.get(u.id) ?? []) names.set(ref, u.name?.trim() || u.email);
  return names;
}
