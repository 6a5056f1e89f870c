import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { HubConfig } from "../config/schema";
import type { WebhookTarget } from "./webhook-target";

const WEBHOOK_TIMEOUT_MS = 10_000;

/** What one attempt gave: ok, or the reason in a sentence (the status when the receiver answered). */
export type SendResult = { ok: true; status?: number } | { ok: false; status?: number; error: string };

/** The signature a receiver checks: HMAC-SHA256 over `<timestamp>.<body>` with the channel's secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * POSTs the JSON body to a vetted webhook target: connected to the addresses that were checked,
 * no redirect followed, 10 s at most; 2xx is success. Headers: X-Scion-Signature,
 * X-Scion-Timestamp and Idempotency-Key (the same on every attempt of one delivery).
 */
export function sendWebhook(
  target: WebhookTarget,
  secret: string,
  body: string,
  idempotencyKey: string,
): Promise<SendResult> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const pinned: LookupFunction = (_host, options, callback) => {
    const address = target.addresses[0]!;
    const family = address.includes(":") ? 6 : 4;
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = target.url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      target.url,
      {
        method: "POST",
        lookup: pinned,
        timeout: WEBHOOK_TIMEOUT_MS,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "user-agent": "scion-hub-webhook",
          "x-scion-timestamp": timestamp,
          "x-scion-signature": signWebhook(secret, timestamp, body),
          "idempotency-key": idempotencyKey,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          resolve(
            status >= 200 && status < 300
              ? { ok: true, status }
              : { ok: false, status, error: `the receiver answered HTTP ${status}` },
          );
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`)));
    req.on("error", (err) => resolve({ ok: false, error: err.message }));
    req.end(body);
  });
}

/** Sends one email through the configured SMTP server; the idempotency key goes in a header. */
export async function sendEmail(
  config: HubConfig["notifications"],
  to: string,
  subject: string,
  text: string,
  idempotencyKey: string,
): Promise<SendResult> {
  if (!config.smtpUrl) return { ok: false, error: "email is not configured on this hub (SCION_SMTP_URL)" };
  // Loaded on first use: most hubs send no email, and it is some 30 ms of every start.
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport(config.smtpUrl);
  try {
    await transport.sendMail({
      from: config.smtpFrom,
      to,
      subject,
      text,
      headers: { "X-Scion-Idempotency-Key": idempotencyKey },
    });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    transport.close();
  }
}
