/** Shown in the dashboard's frame while a page renders on the server: its outline, so nothing jumps when it arrives. */
export default function Loading() {
  return (
    <div aria-busy="true" aria-label="Loading">
      <div className="h-7 w-40 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
      <div className="mt-6 h-64 animate-pulse rounded-lg bg-zinc-100 dark:bg-zinc-900" />
    </div>
  );
}
