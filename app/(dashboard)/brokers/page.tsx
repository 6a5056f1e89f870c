import { requirePageUser } from "@/app/_lib/require-page-user";
import { BrokerList } from "@/components/brokers/broker-list";
import { listBrokers } from "@/lib/brokers/list-brokers";
import { listBrokersQuery } from "@/lib/brokers/schemas";
import { getHubRuntime } from "@/lib/runtime/hub-runtime";

export const dynamic = "force-dynamic";
export const metadata = { title: "Brokers" };

// Runtime brokers, rendered from the database; live on the client.
export default async function BrokersPage() {
  const runtime = getHubRuntime();
  const viewer = await requirePageUser(runtime, "/brokers");
  const page = await listBrokers(runtime.prisma, listBrokersQuery.parse({ limit: "500" }));
  return <BrokerList initial={page.items} hubUrl={runtime.config.publicUrl} isAdmin={viewer.user.role === "admin"} />;
}
