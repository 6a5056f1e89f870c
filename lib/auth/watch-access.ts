import type { PrismaClient } from "../db/create-database";
import type { Logger } from "../log/create-logger";
import type { UserIdentity } from "./principal";

/** Announced (on every replica, through Postgres NOTIFY) when a person's role or status changes. */
export function userChangedSubject(userId: string): string {
  return `user.${userId}.updated`;
}

/** A person as authentication sees them, read afresh by id; null once they are gone. */
export async function findUserIdentity(prisma: PrismaClient, userId: string): Promise<UserIdentity | null> {
  return prisma.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true, status: true },
  });
}

/**
 * The re-check of a long-lived connection (event stream, terminal): `stillAllowed` reads the
 * caller afresh and resolves false once access is gone, and then `revoke` runs, once. Checks
 * never overlap (one asked for during a check runs right after it), so a burst of triggers costs
 * two reads at most. A check that fails for another reason (the database is away) is logged and
 * keeps the connection: the next trigger tries again.
 */
export function accessRecheck(stillAllowed: () => Promise<boolean>, revoke: () => void, logger: Logger): () => void {
  let running = false;
  let again = false;
  let revoked = false;
  const run = async (): Promise<void> => {
    running = true;
    try {
      do {
        again = false;
        if (!(await stillAllowed())) {
          revoked = true;
          revoke();
          return;
        }
      } while (again && !revoked);
    } catch (err) {
      logger.warn(
        { err: (err as Error).message },
        "re-checking a connection's access failed; it stays open until the next check",
      );
    } finally {
      running = false;
    }
  };
  return () => {
    if (revoked) return;
    if (running) again = true;
    else void run();
  };
}
