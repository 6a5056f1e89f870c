import Link from "next/link";

/** The admin section's own navigation. */
export function AdminTabs({ current }: { current: "maintenance" | "users" }) {
  const tabs = [
    { id: "maintenance", href: "/admin/maintenance", label: "Maintenance" },
    { id: "users", href: "/admin/users", label: "Users" },
  ] as const;
  return (
    <nav aria-label="Admin" className="mb-6 flex gap-2 border-b border-zinc-200 dark:border-zinc-800">
      {tabs.map((t) => (
        <Link
          key={t.id}
          href={t.href}
          aria-current={current === t.id ? "page" : undefined}
          className="-mb-px border-b-2 border-transparent px-3 py-2 text-sm text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-blue-600 aria-[current=page]:border-blue-700 aria-[current=page]:font-medium aria-[current=page]:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100 dark:aria-[current=page]:text-zinc-100"
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
