"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { usePathname } from "next/navigation";
import { useState, type ReactNode } from "react";
import { HubEvents } from "./events/hub-events";
import { ToastProvider } from "./ui/toast";

const newQueryClient = () =>
  new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, refetchOnWindowFocus: false, retry: 1 } } });

/**
 * Client-side context for every dashboard page: the query cache, live events and toasts. It lives
 * in the dashboard layout, across navigations, but each page (path) gets a fresh query cache: a
 * page's first paint is what the server just rendered (its `initialData`), never what an earlier
 * visit left in the cache.
 */
export function Providers({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const [cache, setCache] = useState(() => ({ pathname, client: newQueryClient() }));
  if (cache.pathname !== pathname) setCache({ pathname, client: newQueryClient() });
  return (
    <QueryClientProvider client={cache.client}>
      <ToastProvider>
        <HubEvents />
        {children}
      </ToastProvider>
    </QueryClientProvider>
  );
}
