"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { keysForEvent } from "../data/query-keys";
import { useToast } from "../ui/toast";
import { showNotification } from "./browser-notifications";

/** Subjects the dashboard follows; the hub only sends what the viewer may read. */
const SUBSCRIPTIONS = ["agent.>", "broker.>", "message.>", "maintenance.>", "inbox.>", "schedule.>", "notification.>"];

/**
 * Keeps every query live from the hub's event stream (SSE). An event invalidates the queries of
 * its domain (`agent.<id>.status` → agentKeys.all, …: see keysForEvent); a `resync` from the hub,
 * or a reconnect after the stream dropped, invalidates everything, since events may have been
 * missed in the gap.
 * EventSource reconnects by itself; the status is published on <html data-events="…"> for tests.
 */
export function HubEvents() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const router = useRouter();
  useEffect(() => {
    const url = `/api/v1/events?${SUBSCRIPTIONS.map((s) => `sub=${encodeURIComponent(s)}`).join("&")}`;
    const source = new EventSource(url);
    let hadError = false;
    const setStatus = (status: string) => document.documentElement.setAttribute("data-events", status);
    source.addEventListener("open", () => {
      setStatus("open");
      if (hadError) void queryClient.invalidateQueries();
      hadError = false;
    });
    source.addEventListener("error", () => {
      hadError = true;
      setStatus("reconnecting");
    });
    source.addEventListener("update", (e) => {
      let subject = "";
      let data: Record<string, unknown> = {};
      try {
        const parsed = JSON.parse((e as MessageEvent<string>).data) as {
          subject?: string;
          data?: Record<string, unknown>;
        };
        subject = parsed.subject ?? "";
        data = parsed.data ?? {};
      } catch {
        return;
      }
      if (subject.startsWith("notification.")) return showNotification(data, toast, (href) => router.push(href));
      const queryKey = keysForEvent(subject);
      if (queryKey) void queryClient.invalidateQueries({ queryKey });
    });
    source.addEventListener("resync", () => void queryClient.invalidateQueries());
    return () => {
      source.close();
      setStatus("closed");
    };
  }, [queryClient, toast, router]);
  return null;
}
