"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { HubEvents } from "./events/hub-events";
import { ToastProvider } from "./ui/toast";

/** Client-side context for every dashboard page: the query cache, live events and toasts. */
export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(
    () =>
      new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, refetchOnWindowFocus: false, retry: 1 } } }),
  );
  return (
    <QueryClientProvider client={client}>
      <ToastProvider>
        <HubEvents />
        {children}
      </ToastProvider>
    </QueryClientProvider>
  );
}
