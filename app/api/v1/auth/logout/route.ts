import { NextResponse } from "next/server";
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "@/lib/auth/session-cookie";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

const IAP_LOGOUT = "/_gcp_iap/clear_login_cookie";

// POST /api/v1/auth/logout - end the browser session; behind IAP, also point at IAP's logout.
export const POST = apiRoute("public", async ({ runtime }) => {
  const proxy = runtime.config.authMode === "proxy";
  const res = NextResponse.json({ ok: true, ...(proxy && { location: IAP_LOGOUT }) });
  for (const name of [SESSION_COOKIE, SECURE_SESSION_COOKIE]) {
    res.cookies.set(name, "", {
      path: "/",
      maxAge: 0,
      httpOnly: true,
      sameSite: "lax",
      secure: name.startsWith("__Secure-"),
    });
  }
  if (proxy) res.headers.set("location", IAP_LOGOUT);
  return res;
});
