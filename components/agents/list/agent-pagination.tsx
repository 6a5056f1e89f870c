/** Previous and next page, with the page number; shown only when there is more than one page. */
export function AgentPagination({
  pageNumber,
  nextCursor,
  onPrevious,
  onNext,
}: {
  pageNumber: number;
  nextCursor: string | null;
  onPrevious: () => void;
  onNext: (cursor: string) => void;
}) {
  if (pageNumber <= 1 && !nextCursor) return null;
  return (
    <nav aria-label="Pages" className="mt-4 flex items-center justify-end gap-3 text-sm">
      <span className="text-zinc-600 dark:text-zinc-400">Page {pageNumber}</span>
      <button type="button" className="btn-secondary" disabled={pageNumber <= 1} onClick={onPrevious}>
        Previous page
      </button>
      <button
        type="button"
        className="btn-secondary"
        disabled={!nextCursor}
        onClick={() => nextCursor && onNext(nextCursor)}
      >
        Next page
      </button>
    </nav>
  );
}
