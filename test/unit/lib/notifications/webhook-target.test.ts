import { describe, expect, it } from "vitest";
import { resolveWebhookTarget } from "../../../../lib/notifications/webhook-target";

const noDns = async (host: string): Promise<string[]> => {
  throw new Error(`unexpected lookup of ${host}`);
};

describe("webhook targets", () => {
  it("refuse loopback, link-local, private and metadata targets unless the admin allows them", async () => {
    for (const url of [
      "http://127.0.0.1:8080/hook",
      "http://10.1.2.3/hook",
      "http://192.168.1.10/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/hook",
      "http://[fd00::1]/hook",
      "http://localhost/hook",
      "http://metadata.google.internal/computeMetadata/v1/",
    ]) {
      await expect(resolveWebhookTarget(url, false, noDns), url).rejects.toThrow(/SCION_ALLOW_PRIVATE_WEBHOOKS=true/);
    }
    await expect(resolveWebhookTarget("http://127.0.0.1:8080/hook", true, noDns)).resolves.toMatchObject({
      addresses: ["127.0.0.1"],
    });
  });

  it("refuse a public name that resolves to a private address, and pin the addresses checked", async () => {
    const lookup = async (host: string) =>
      host === "evil.example" ? ["93.184.216.34", "10.0.0.5"] : ["93.184.216.34"];
    await expect(resolveWebhookTarget("https://evil.example/x", false, lookup)).rejects.toThrow(/10\.0\.0\.5/);
    await expect(resolveWebhookTarget("https://hooks.example/x", false, lookup)).resolves.toMatchObject({
      addresses: ["93.184.216.34"],
    });
  });

  it("refuse what is not an http(s) URL, and credentials in it", async () => {
    await expect(resolveWebhookTarget("ftp://93.184.216.34/x", false, noDns)).rejects.toThrow("http:// or https://");
    await expect(resolveWebhookTarget("not a url", false, noDns)).rejects.toThrow("not a URL");
    await expect(resolveWebhookTarget("https://u:p@93.184.216.34/x", false, noDns)).rejects.toThrow(
      "user name or password",
    );
  });
});
