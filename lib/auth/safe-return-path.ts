const BASE = "http://hub.invalid";

/**
 * The path to send a person back to after sign-in: only a path on this hub, never another site.
 * Browsers drop tabs and newlines inside URLs and read `\` as `/`, so `/\t/evil.com` and
 * `/\evil.com` would really be `//evil.com`, another host: anything with a control character or
 * a backslash is refused, as are `//…`, absolute URLs and `javascript:`. What is left is parsed
 * against a placeholder origin and must stay on it. Anything else becomes `/`.
 */
export function safeReturnPath(value: string | undefined | null): string {
  if (!value || value.length > 2000 || !value.startsWith("/") || value.startsWith("//")) return "/";
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return "/";
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return "/";
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === BASE && path.startsWith("/") && !path.startsWith("//") ? path : "/";
}

/**
 * next-auth's redirect callback: a relative path or a URL on this hub's own origin, reduced to a
 * safe path on it; anything else goes to the dashboard.
 */
export function safeRedirectUrl(url: string, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  if (url.startsWith("/")) return `${base}${safeReturnPath(url)}`;
  try {
    const parsed = new URL(url);
    if (parsed.origin === new URL(base).origin)
      return `${base}${safeReturnPath(`${parsed.pathname}${parsed.search}${parsed.hash}`)}`;
  } catch {
    // not a URL at all
  }
  return `${base}/`;
}
