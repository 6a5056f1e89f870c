import { recordAudit } from "../audit/record-audit";
import type { UserIdentity } from "../auth/principal";
import type { HubConfig } from "../config/schema";
import type { PrismaClient } from "../db/create-database";
import { ApiError } from "../http/api-error";

export interface ProvisionInput {
  email: string;
  name?: string | null;
  avatarUrl?: string | null;
}

export type ProvisionPolicy = Pick<HubConfig, "adminEmails" | "allowedDomains">;

/**
 * The one sign-in rule for every mode (OAuth, IAP, dev): the email is normalised; a suspended
 * user is refused; a new user must be an admin email, in an allowed domain or on the allow list
 * (nobody else gets in, so a fresh public deployment is closed until configured); admin emails
 * are (re)made admins; an empty name or avatar is backfilled from the identity provider.
 * Refusals carry `details.reason`, the code the login page shows fixed text for.
 */
export async function provisionUser(
  prisma: PrismaClient,
  policy: ProvisionPolicy,
  input: ProvisionInput,
): Promise<UserIdentity> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email))
    throw new ApiError("forbidden", "The identity provider gave no usable email address.", { reason: "no_email" });
  const isAdminEmail = policy.adminEmails.includes(email);
  const existing = await prisma.user.findUnique({ where: { email } });

  if (existing) {
    if (existing.status === "suspended") {
      throw new ApiError("forbidden", "This account is suspended. Ask an administrator to reactivate it.", {
        reason: "suspended",
      });
    }
    const updated = await prisma.user.update({
      where: { id: existing.id },
      data: {
        lastLoginAt: new Date(),
        ...(isAdminEmail && existing.role !== "admin" && { role: "admin" }),
        ...(!existing.name && input.name && { name: input.name }),
        ...(!existing.avatarUrl && input.avatarUrl && { avatarUrl: input.avatarUrl }),
      },
    });
    return pick(updated);
  }

  const domain = email.slice(email.lastIndexOf("@") + 1);
  const allowed =
    isAdminEmail ||
    policy.allowedDomains.some((d) => d.toLowerCase() === domain) ||
    (await prisma.allowListEntry.findUnique({ where: { email } })) !== null;
  if (!allowed) {
    throw new ApiError(
      "forbidden",
      `${email} is not allowed to sign in to this hub. Ask an administrator to add it to the allow list.`,
      { reason: "not_allowed" },
    );
  }

  try {
    const created = await prisma.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: {
          email,
          name: input.name ?? null,
          avatarUrl: input.avatarUrl ?? null,
          role: isAdminEmail ? "admin" : "member",
          lastLoginAt: new Date(),
        },
      });
      await recordAudit(tx, {
        principal: `user:${user.id}`,
        action: "user.provision",
        targetType: "user",
        targetId: user.id,
        details: { role: user.role },
      });
      return user;
    });
    return pick(created);
  } catch (err) {
    // Two first sign-ins of one person raced (two tabs, two replicas): the other one created it.
    if ((err as { code?: string }).code === "P2002") return provisionUser(prisma, policy, input);
    throw err;
  }
}

function pick(u: UserIdentity): UserIdentity {
  return { id: u.id, email: u.email, name: u.name, role: u.role, status: u.status };
}
