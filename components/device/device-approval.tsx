"use client";

import { useState } from "react";
import { api, RequestError } from "../data/api";
import { ErrorNote } from "../ui/error-note";

/**
 * The approval form of the command line's device sign-in: the person types (or the link fills in)
 * the code `scion login` printed and approves it; that command line then receives an API token
 * for this person.
 */
export function DeviceApproval({ initialCode }: { initialCode: string }) {
  const [code, setCode] = useState(initialCode);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [approved, setApproved] = useState<string | null>(null);

  const approve = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { body } = await api<{ clientName: string }>("/api/v1/auth/device/approve", {
        method: "POST",
        json: { userCode: code },
      });
      setApproved(body.clientName);
    } catch (err) {
      setError(err instanceof RequestError ? err.message : "The hub could not be reached.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="mx-auto flex max-w-md flex-col gap-4 py-8">
      <h1 className="text-xl font-semibold">Sign in a command line</h1>
      {approved ? (
        <p role="status" className="text-sm">
          Approved: <strong>{approved}</strong> is now signed in as you. You can close this page.
        </p>
      ) : (
        <form onSubmit={approve} className="card flex flex-col gap-3 p-4">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Enter the code that <code>scion login</code> shows. Approve only a code you started yourself: the command
            line gets an API token that acts as you.
          </p>
          <label className="flex flex-col gap-1 text-sm">
            Code
            <input
              className="input font-mono tracking-widest uppercase"
              name="userCode"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              placeholder="XXXX-XXXX"
              autoComplete="off"
              required
              maxLength={20}
            />
          </label>
          {error && <ErrorNote>{error}</ErrorNote>}
          <button type="submit" className="btn-primary self-start" disabled={busy || !code.trim()}>
            {busy ? "Approving…" : "Approve"}
          </button>
        </form>
      )}
    </div>
  );
}
