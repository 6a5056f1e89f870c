// A real OpenID Connect provider on loopback for the oauth-mode journey (npm oidc-provider).
// Its development login form accepts any login; the login becomes the account's email, verified
// unless the login starts with "unverified" (a provider that has not confirmed the address).
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? 29183);
const hubUrl = process.env.HUB_URL ?? "http://127.0.0.1:29182";
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "scion-e2e",
      client_secret: "scion-e2e-secret-0123456789abcdef",
      redirect_uris: [`${hubUrl}/api/auth/callback/oidc`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  scopes: ["openid", "email", "profile"],
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ["e2e-cookie-key-not-secret"] },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: !id.startsWith("unverified"), name: id.split("@")[0] };
      },
    };
  },
});
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => console.log(`oidc provider ready at ${issuer}`));
