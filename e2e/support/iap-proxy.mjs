// A stand-in for Google Cloud IAP on loopback, for the proxy-mode journey. Like IAP it sits in
// front of the hub, lets only signed-in people through, and adds to every request it forwards
// an ES256 `x-goog-iap-jwt-assertion` for that person (plus the unsigned
// `x-goog-authenticated-user-*` headers, which the hub must ignore), replacing whatever the client
// sent under those names. It forwards plain HTTP, streams responses as they come (SSE) and relays
// WebSocket upgrades. Its signing keys are made at start and served as a JWKS on a second port.
//
// Signing in: /_gcp_iap/e2e_sign_in shows a form taking an email (the stand-in for Google's
// account chooser) and sets a cookie naming the person; switching identity is signing in again.
// /_gcp_iap/clear_login_cookie clears it and shows a signed-out page, as IAP's does.
import crypto from "node:crypto";
import http from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

const port = Number(process.env.IAP_PROXY_PORT ?? 29185);
const jwksPort = Number(process.env.IAP_JWKS_PORT ?? 29186);
const upstream = new URL(process.env.IAP_UPSTREAM ?? "http://127.0.0.1:29184");
const audience = process.env.IAP_AUDIENCE ?? "/projects/000000000000/global/backendServices/0000000000000000000";
const issuer = process.env.IAP_ISSUER ?? "https://cloud.google.com/iap";

const COOKIE = "GCP_IAP_E2E_USER";
const SIGN_IN = "/_gcp_iap/e2e_sign_in";
const CLEAR_LOGIN = "/_gcp_iap/clear_login_cookie";
// Hop-by-hop headers are the proxy's own business; they are never forwarded.
const HOP_BY_HOP = [
  ...["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection"],
  ...["te", "trailer", "transfer-encoding", "upgrade"],
];

const kid = `iap-e2e-${crypto.randomBytes(4).toString("hex")}`;
const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] });

/** A person's stable numeric account id, as Google gives one. */
const accountId = (email) =>
  BigInt(`0x${crypto.createHash("sha256").update(email).digest("hex").slice(0, 15)}`).toString();

/** What IAP asserts for a person: a fresh ES256 JWT, valid ten minutes, with IAP's claims. */
function assertion(email) {
  return new SignJWT({ email: `accounts.google.com:${email}`, hd: email.slice(email.indexOf("@") + 1) })
    .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(`accounts.google.com:${accountId(email)}`)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(privateKey);
}

function signedInEmail(req) {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === COOKIE) return decodeURIComponent(rest.join("=")) || undefined;
  }
  return undefined;
}

/** The client's headers as the hub should see them: IAP's identity instead of anything the client claimed. */
async function forwardedHeaders(req, email, { upgrade }) {
  const headers = { ...req.headers };
  for (const name of Object.keys(headers)) if (name.startsWith("x-goog-")) delete headers[name];
  if (!upgrade) for (const name of HOP_BY_HOP) delete headers[name];
  // The sign-in cookie is IAP's; the hub never sees it.
  const cookies = (req.headers.cookie ?? "")
    .split(";")
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${COOKIE}=`));
  if (cookies.length) headers.cookie = cookies.join("; ");
  else delete headers.cookie;
  headers["x-goog-iap-jwt-assertion"] = await assertion(email);
  headers["x-goog-authenticated-user-email"] = `accounts.google.com:${email}`;
  headers["x-goog-authenticated-user-id"] = `accounts.google.com:${accountId(email)}`;
  headers["x-forwarded-for"] = req.socket.remoteAddress ?? "127.0.0.1";
  headers["x-forwarded-proto"] = "http";
  headers.via = "1.1 google";
  return headers;
}

function page(res, status, title, body, extraHeaders = {}) {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...extraHeaders });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main>${body}</main></body></html>`,
  );
}

const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Only a path on this host may be a place to come back to. */
const safeContinue = (value) => (typeof value === "string" && /^\/(?![/\\])/.test(value) ? value : "/");

async function signIn(req, res, url) {
  if (req.method === "POST") {
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const email = (form.get("email") ?? "").trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email))
      return page(res, 400, "Sign in", '<h1>Sign in</h1><p role="alert">Enter an email address.</p>');
    return void res
      .writeHead(303, {
        location: safeContinue(form.get("continue")),
        "set-cookie": `${COOKIE}=${encodeURIComponent(email)}; Path=/; HttpOnly; SameSite=Lax`,
      })
      .end();
  }
  const next = escape(safeContinue(url.searchParams.get("continue")));
  page(
    res,
    200,
    "Sign in - Google Accounts",
    `<h1>Sign in</h1><p>to continue to the application (IAP stand-in)</p><form method="post" action="${SIGN_IN}">` +
      `<input type="hidden" name="continue" value="${next}">` +
      `<label>Email <input name="email" type="email" required autocomplete="off"></label> <button type="submit">Sign in</button></form>`,
  );
}

async function handle(req, res) {
  const url = new URL(req.url ?? "/", "http://iap");
  if (url.pathname === SIGN_IN) return signIn(req, res, url);
  if (url.pathname === CLEAR_LOGIN) {
    const clear = { "set-cookie": `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` };
    return page(res, 200, "Signed out", '<h1>You have been signed out</h1><p><a href="/">Sign in again</a></p>', clear);
  }
  const email = signedInEmail(req);
  if (!email) {
    // A browser is sent to sign in; anything else gets IAP's bare 401.
    if (req.method === "GET" && (req.headers.accept ?? "").includes("text/html")) {
      return void res.writeHead(302, { location: `${SIGN_IN}?continue=${encodeURIComponent(req.url ?? "/")}` }).end();
    }
    return void res.writeHead(401, { "content-type": "text/plain" }).end("Invalid IAP credentials: empty token");
  }
  const toHub = requestHub(req, await forwardedHeaders(req, email, { upgrade: false }));
  toHub.on("response", (fromHub) => {
    const headers = { ...fromHub.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    res.writeHead(fromHub.statusCode ?? 502, headers);
    // Streams (SSE) go through as they come: headers now, each chunk as it arrives.
    res.flushHeaders();
    fromHub.pipe(res);
  });
  toHub.on("error", () =>
    res.headersSent ? res.destroy() : res.writeHead(502, { "content-type": "text/plain" }).end("Bad gateway"),
  );
  res.on("close", () => res.writableFinished || toHub.destroy());
  req.pipe(toHub);
}

/** A WebSocket upgrade (the terminal) is relayed byte for byte once the hub accepts it. */
async function handleUpgrade(req, socket, head) {
  socket.on("error", () => socket.destroy());
  const email = signedInEmail(req);
  if (!email) return void socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  const toHub = requestHub(req, await forwardedHeaders(req, email, { upgrade: true }));
  const statusLine = (m) => `HTTP/1.1 ${m.statusCode} ${m.statusMessage}\r\n${rawHeaderLines(m.rawHeaders)}\r\n`;
  toHub.on("upgrade", (fromHub, hubSocket, hubHead) => {
    hubSocket.on("error", () => socket.destroy());
    socket.on("close", () => hubSocket.destroy());
    hubSocket.on("close", () => socket.destroy());
    socket.write(statusLine(fromHub));
    if (hubHead.length) socket.write(hubHead);
    if (head.length) hubSocket.write(head);
    hubSocket.pipe(socket).pipe(hubSocket);
  });
  // The hub refused the upgrade: the browser gets its answer as it was.
  toHub.on("response", (fromHub) => {
    socket.write(statusLine(fromHub));
    fromHub.pipe(socket);
  });
  toHub.on("error", () => socket.destroy());
  toHub.end();
}

function requestHub(req, headers) {
  return http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers });
}

function rawHeaderLines(raw) {
  let out = "";
  for (let i = 0; i < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return out;
}

const server = http.createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
server.on("upgrade", (req, socket, head) => void handleUpgrade(req, socket, head).catch(() => socket.destroy()));
// Event streams and terminals stay open for minutes; only idle keep-alive connections time out.
server.requestTimeout = 0;
server.listen(port, "127.0.0.1", () =>
  console.log(`IAP stand-in at http://127.0.0.1:${port} in front of ${upstream.origin}`),
);

const keys = http.createServer((req, res) => {
  if (req.url !== "/jwk") return void res.writeHead(404).end();
  res.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=300" }).end(jwks);
});
keys.listen(jwksPort, "127.0.0.1", () => console.log(`IAP keys at http://127.0.0.1:${jwksPort}/jwk (kid ${kid})`));

for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(0));
