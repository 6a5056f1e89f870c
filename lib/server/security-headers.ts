import crypto from "node:crypto";
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

export interface PagePolicy {
  /** `next dev` evaluates code (React's dev tooling, hot reload); a production build never does. */
  dev: boolean;
  /** 'sha256-…' sources of the inline scripts in pages Next prerendered at build time. */
  staticScriptHashes: string[];
}

const HOST_FOR_CSP = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

/**
 * Headers on every answer: no sniffing, no framing, referrers only as an origin to other sites,
 * and HSTS when people reach the hub over https. Pages also get a Content-Security-Policy:
 * scripts only from the hub and inline ones carrying this request's nonce (Next.js reads it from
 * the request's own CSP header and puts it on the scripts it inlines) or, for the few pages
 * Next prerendered without a nonce, their exact hashes; styles inline too (xterm.js and React
 * style attributes); connections back to the hub only, WebSockets included. The API gets a
 * policy that allows nothing, so a JSON answer opened as a page can run nothing.
 */
export function applySecurityHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  publicUrl: string,
  page: PagePolicy | undefined,
): void {
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("referrer-policy", "strict-origin-when-cross-origin");
  if (publicUrl.startsWith("https:")) res.setHeader("strict-transport-security", "max-age=63072000");
  if (
    !page ||
    pathname.startsWith("/api/") ||
    !pathname.startsWith("/") ||
    ["/healthz", "/readyz", "/metrics"].includes(pathname)
  ) {
    res.setHeader("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    return;
  }
  const nonce = crypto.randomBytes(16).toString("base64");
  const host = req.headers.host;
  const sockets = host && HOST_FOR_CSP.test(host) ? ` ws://${host} wss://${host}` : "";
  const scripts = [
    "'self'",
    `'nonce-${nonce}'`,
    ...page.staticScriptHashes,
    ...(page.dev ? ["'unsafe-eval'"] : []),
  ].join(" ");
  const policy = [
    "default-src 'self'",
    `script-src ${scripts}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  // Next.js takes the nonce from the request's CSP header; a client's own value never counts.
  req.headers["content-security-policy"] = policy;
  delete req.headers["content-security-policy-report-only"];
  res.setHeader("content-security-policy", policy);
}

/**
 * The hashes of the inline scripts in the HTML Next prerendered at build time (the not-found and
 * global-error pages): those are served as built, without a per-request nonce.
 */
export function prerenderedScriptHashes(distDir: string): string[] {
  const hashes = new Set<string>();
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".html")) {
        const html = fs.readFileSync(file, "utf8");
        for (const m of html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
          if (m[1]) hashes.add(`'sha256-${crypto.createHash("sha256").update(m[1]).digest("base64")}'`);
        }
      }
    }
  };
  walk(path.join(distDir, "server", "app"));
  return [...hashes];
}
