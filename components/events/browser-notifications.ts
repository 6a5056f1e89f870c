/** Where the viewer's choice to get browser notifications is kept (this browser only). */
export const BROWSER_NOTIFICATIONS_KEY = "scion.browserNotifications";

/** Whether this browser should show notifications: the person turned them on here and allowed them. */
export function browserNotificationsOn(): boolean {
  try {
    return (
      typeof Notification !== "undefined" &&
      Notification.permission === "granted" &&
      localStorage.getItem(BROWSER_NOTIFICATIONS_KEY) === "on"
    );
  } catch {
    return false;
  }
}

/**
 * A notification the hub sent this person (`notification.<me>.created`): shown in the page (a
 * toast) and, when they turned it on, as a browser notification that opens the agent.
 */
export function showNotification(
  data: { summary?: unknown; agentId?: unknown; eventId?: unknown },
  toast: (text: string, tone?: "success" | "error" | "info") => void,
  navigate: (href: string) => void,
): void {
  const summary = typeof data.summary === "string" ? data.summary : "An agent needs you";
  toast(summary, "info");
  if (!browserNotificationsOn()) return;
  const n = new Notification("Scion Hub", {
    body: summary,
    tag: typeof data.eventId === "string" ? data.eventId : undefined,
  });
  if (typeof data.agentId === "string") {
    const href = `/agents/${data.agentId}`;
    n.onclick = () => {
      window.focus();
      navigate(href);
    };
  }
}
