import { requirePageUser } from "@/app/_lib/require-page-user";
import { DeviceApproval } from "@/components/device/device-approval";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Approve a device" };

// Where a person approves the code `scion login` shows (?code=XXXX-XXXX fills it in).
export default async function Device({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = (await searchParams).code;
  const code = typeof raw === "string" && /^[A-Za-z0-9-]{1,20}$/.test(raw) ? raw.toUpperCase() : "";
  await requirePageUser(getHubRuntime(), code ? `/device?code=${encodeURIComponent(code)}` : "/device");
  return <DeviceApproval initialCode={code} />;
}
