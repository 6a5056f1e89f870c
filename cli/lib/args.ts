/**
 * The thin layer between commander (the argument parser) and the commands: option values are
 * checked with zod (`zod/mini`, a fraction of zod's start-up cost) when commander reads them, so
 * a bad value fails at once with one line naming the option, exit 2, like an unknown flag.
 */
import { InvalidArgumentError } from "commander";
import * as z from "zod/mini";
import { SECRET_NAME_MAX, SECRET_NAME_MESSAGE, SECRET_NAME_PATTERN } from "../../lib/secrets/secret-name";

type Schema<T> = z.ZodMiniType<T>;

/** A commander argParser from a zod schema; the first issue's message is what the person reads. */
export function parseWith<T>(schema: Schema<T>) {
  return (value: string): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? "invalid value");
    return parsed.data;
  };
}

/** An integer within [min, max]. */
export const intIn = (min: number, max: number) =>
  parseWith(
    z.pipe(
      z.string().check(z.regex(/^-?\d+$/, { error: `must be a whole number from ${min} to ${max}` })),
      z.pipe(
        z.transform((s: string) => Number(s)),
        z
          .number()
          .check(
            z.gte(min, { error: `must be a whole number from ${min} to ${max}` }),
            z.lte(max, { error: `must be a whole number from ${min} to ${max}` }),
          ),
      ),
    ),
  );

/** One of the given words. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  parseWith(z.enum(values, { error: `must be one of ${values.join(", ")}` })) as (value: string) => T[number];

/** An http(s) URL without a trailing slash: how hubs are named in the config. */
export const hubUrlSchema = z.pipe(
  z
    .string()
    .check(z.trim(), z.regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { error: "must be an http:// or https:// URL" })),
  z.transform((s: string) => s.replace(/\/+$/, "")),
);
export const hubUrl = parseWith(hubUrlSchema);

/** KEY=VALUE, repeatable: collected into a record. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const match = /^([A-Za-z_][A-Za-z0-9_]{0,127})=(.*)$/s.exec(value);
  if (!match) throw new InvalidArgumentError("must be NAME=VALUE (letters, digits and _ in the name)");
  return { ...previous, [match[1]!]: match[2]! };
}

/** A secret's name, repeatable: collected into a list (each once). */
export function secretNames(value: string, previous: string[] = []): string[] {
  const name = parseWith(
    z
      .string()
      .check(
        z.minLength(1, { error: "must not be empty" }),
        z.maxLength(SECRET_NAME_MAX, { error: `at most ${SECRET_NAME_MAX} characters` }),
        z.regex(SECRET_NAME_PATTERN, { error: SECRET_NAME_MESSAGE }),
      ),
  )(value);
  return previous.includes(name) ? previous : [...previous, name];
}

/** A non-empty text of at most `max` characters. */
export const text = (max: number) =>
  parseWith(
    z
      .string()
      .check(z.minLength(1, { error: "must not be empty" }), z.maxLength(max, { error: `at most ${max} characters` })),
  );
