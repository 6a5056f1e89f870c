import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

const notFound = async () =>
  NextResponse.json({ error: { code: "not_found", message: "No such API route." } }, { status: 404 });

// Any /api path no route claims: the error envelope instead of the HTML not-found page.
export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
