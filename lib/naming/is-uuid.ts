const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a text is a UUID (any version, any case): what a `::uuid` cast accepts without an error. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
