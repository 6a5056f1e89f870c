-- A claimed intent is being executed by its owner: "in_progress", the word the dispatch
-- protocol uses (pending → in_progress → done | failed). Renaming keeps existing rows.
ALTER TYPE "DispatchState" RENAME VALUE 'claimed' TO 'in_progress';
