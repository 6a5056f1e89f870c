-- A message handed to the agent's session is "dispatched" (the broker typed it in), which is
-- all the hub can know; "delivered" promised more. Renaming keeps existing rows.
ALTER TYPE "MessageDispatchState" RENAME VALUE 'delivered' TO 'dispatched';
