"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** Main navigation; the current section is marked for eyes and screen readers. */
export function NavLinks({ items }: { items: Array<{ href: string; label: string }> }) {
  const pathname = usePathname();
  const isCurrent = (href: string) =>
    href === "/"
      ? pathname === "/" || pathname.startsWith("/agents")
      : pathname.startsWith(href.split("/").slice(0, 2).join("/"));
  return (
    <nav aria-label="Main" className="flex gap-4 text-sm">
      {items.map((item) => (
        <Link
          key={item.href}
          href={item.href}
          aria-current={isCurrent(item.href) ? "page" : undefined}
          className="rounded text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 aria-[current=page]:font-medium aria-[current=page]:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100 dark:aria-[current=page]:text-zinc-100"
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}
