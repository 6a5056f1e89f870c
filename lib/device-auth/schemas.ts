import { z } from "zod";

/** How long a device code may wait for approval. */
export const DEVICE_CODE_TTL_SECONDS = 600;
/** The least time between two polls of one device code. */
export const DEVICE_POLL_INTERVAL_SECONDS = 2;
/** How long the API token a device sign-in mints lasts. */
export const DEVICE_TOKEN_DAYS = 90;

/** Eight letters without look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX. */
export const USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

export const startDeviceAuthBody = z
  .object({
    /** Names the token that approval mints ("scion CLI on <host>"), shown on the approval page. */
    clientName: z.string().trim().min(1).max(100).default("scion CLI"),
  })
  .strict();

export const deviceTokenBody = z.object({ deviceCode: z.string().min(1).max(200) }).strict();

/** Case and dashes do not matter: people type it. */
export const approveDeviceBody = z
  .object({
    userCode: z
      .string()
      .max(20)
      .transform((s) => s.toUpperCase().replace(/[^A-Z0-9]/g, ""))
      .pipe(z.string().length(8, { error: "userCode is the 8-character code the command line shows" })),
  })
  .strict();

export const deviceAuthSchema = z.object({
  deviceCode: z.string(),
  userCode: z.string(),
  verificationUri: z.string(),
  verificationUriComplete: z.string(),
  interval: z.number().int(),
  expiresIn: z.number().int(),
});

export const deviceApprovalSchema = z.object({ approved: z.literal(true), clientName: z.string() });

export type StartDeviceAuthBody = z.output<typeof startDeviceAuthBody>;
export type DeviceAuthJson = z.infer<typeof deviceAuthSchema>;
