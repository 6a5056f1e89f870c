import { z } from "zod";
import { SECRET_NAME_MAX, SECRET_NAME_MESSAGE, SECRET_NAME_PATTERN } from "./secret-name";

export const SECRET_SCOPES = ["user", "project", "hub"] as const;
export const SECRET_TARGETS = ["env", "file"] as const;
/** A secret's value: API keys and credentials files, not archives. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Names the broker or the system sets for every agent: a secret must not replace them. */
const RESERVED_ENV =
  /^(SCION_|AVAILABLE_LOCALHOST_|LD_|DYLD_)|^(PATH|HOME|USER|LOGNAME|SHELL|PWD|TERM|TMUX|TMUX_PANE|NODE_OPTIONS)$/;

/** A file secret's path: relative to the agent's HOME, plain segments only (no `..`, `.`, empty or absolute). */
const homePath = z
  .string()
  .min(1)
  .max(255)
  .refine((p) => !p.startsWith("/") && !p.startsWith("~"), {
    error: "the path is relative to the agent's HOME, e.g. .claude/.credentials.json",
  })
  .refine((p) => p.split("/").every((s) => s !== "" && s !== "." && s !== ".."), {
    error: "the path may not contain .., . or empty segments",
  })
  .refine((p) => !/[\0-\x1f\\]/.test(p), { error: "the path may not contain control characters or backslashes" });

/** A secret's name in the store (templates and agent creates name the secrets they need by it). */
export const secretName = z
  .string()
  .min(1)
  .max(SECRET_NAME_MAX)
  .regex(SECRET_NAME_PATTERN, { error: SECRET_NAME_MESSAGE });

export const createSecretBody = z
  .object({
    name: secretName,
    value: z.string().refine((v) => Buffer.byteLength(v, "utf8") <= MAX_SECRET_VALUE_BYTES, {
      error: `a secret's value is at most ${MAX_SECRET_VALUE_BYTES} bytes`,
    }),
    scope: z.enum(SECRET_SCOPES),
    projectId: z.uuid().nullish(),
    target: z.enum(SECRET_TARGETS).default("env"),
    path: homePath.nullish(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.scope === "project" && !b.projectId)
      ctx.addIssue({ code: "custom", path: ["projectId"], message: "a project secret needs projectId" });
    if (b.scope !== "project" && b.projectId)
      ctx.addIssue({ code: "custom", path: ["projectId"], message: "only project secrets take projectId" });
    if (b.target === "env") {
      if (!ENV_NAME.test(b.name))
        ctx.addIssue({
          code: "custom",
          path: ["name"],
          message: "an environment variable's name is letters, digits and _, not starting with a digit",
        });
      else if (RESERVED_ENV.test(b.name))
        ctx.addIssue({
          code: "custom",
          path: ["name"],
          message: `${b.name} is set by the hub or the system and cannot be a secret`,
        });
      if (b.path) ctx.addIssue({ code: "custom", path: ["path"], message: "only file secrets take a path" });
    } else if (!b.path) {
      ctx.addIssue({
        code: "custom",
        path: ["path"],
        message: "a file secret needs a path relative to the agent's HOME",
      });
    }
  });

export type CreateSecretBody = z.output<typeof createSecretBody>;

export const listSecretsQuery = z
  .object({
    scope: z.enum(SECRET_SCOPES).default("user"),
    projectId: z.uuid().optional(),
  })
  .refine((q) => q.scope !== "project" || q.projectId, {
    error: "project secrets are listed per project: give projectId",
    path: ["projectId"],
  });

/** A secret as the API shows it: never its value. */
export const secretSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: z.enum(SECRET_SCOPES),
  projectId: z.uuid().nullable(),
  target: z.enum(SECRET_TARGETS),
  path: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export type SecretJson = z.infer<typeof secretSchema>;
