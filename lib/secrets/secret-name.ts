/**
 * A secret's name in the store, as templates and agent creates name the secrets they need. Plain
 * constants (no zod) so the CLI checks names with its light parser at no start-up cost.
 */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
export const SECRET_NAME_MAX = 128;
export const SECRET_NAME_MESSAGE = "a secret name is letters, digits, _, . and -";
