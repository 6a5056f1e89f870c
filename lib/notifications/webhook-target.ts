import dns from "node:dns/promises";
import net from "node:net";
import { isInternalAddress, isInternalName } from "../net/git-remote-policy";

export interface WebhookTarget {
  url: URL;
  /** The addresses the host resolved to, all allowed: the request is pinned to them. */
  addresses: string[];
}

const ALLOW_HINT = "an admin can allow such targets with SCION_ALLOW_PRIVATE_WEBHOOKS=true";

/**
 * A webhook URL the hub may post to: http(s), no credentials in it, and — unless the admin
 * allows private webhooks — a host that is not (and does not resolve to) a loopback, link-local,
 * private-network or cloud-metadata address. Checked when the channel is created and again at
 * every delivery, whose connection goes to the addresses checked (no DNS rebinding in between).
 * Throws a sentence naming what is wrong.
 */
export async function resolveWebhookTarget(
  raw: string,
  allowPrivate: boolean,
  lookup: (host: string) => Promise<string[]> = lookupAll,
): Promise<WebhookTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error("the webhook URL is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("a webhook URL is http:// or https://");
  if (url.username || url.password) throw new Error("a webhook URL may not carry a user name or password");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && isInternalName(host))
    throw new Error(`the webhook's host ${host} is an internal name; ${ALLOW_HINT}`);
  const addresses = net.isIP(host) ? [host] : await lookup(host);
  if (addresses.length === 0) throw new Error(`the webhook's host ${host} does not resolve`);
  const internal = addresses.find((a) => isInternalAddress(a));
  if (internal && !allowPrivate)
    throw new Error(
      `the webhook's host ${host} is an internal address (loopback, link-local, private network or cloud metadata: ${internal}); ${ALLOW_HINT}`,
    );
  return { url, addresses };
}

async function lookupAll(host: string): Promise<string[]> {
  try {
    return (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (err) {
    throw new Error(`the webhook's host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}
