/**
 * The hub's HTTP API as the command line calls it: the user token as a Bearer, JSON in and out,
 * the error envelope turned into one line with the hub's own message (exit 1), network failures
 * named with the hub they were for.
 */
import { CliError } from "./errors";
import { httpRequest, HttpRequestError, type HttpAnswer } from "./http-request";

export interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

export class HubError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message, 1);
  }
}

/** The hub's answer for a path it has no route for (app/api/[...path]): an older hub, or a newer API. */
export function isMissingRoute(err: unknown): boolean {
  return err instanceof HubError && err.status === 404 && err.message === "No such API route.";
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  json?: unknown;
  /** Statuses returned instead of thrown (besides 2xx). */
  allow?: number[];
  timeoutMs?: number;
}

export class HubClient {
  constructor(
    readonly hub: string,
    readonly token: string | undefined,
  ) {}

  url(pathname: string, query: Query = {}): string {
    const url = new URL(pathname, `${this.hub}/`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    return url.toString();
  }

  async request<T>(method: string, pathname: string, opts: RequestOptions = {}) {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (opts.json !== undefined) headers["content-type"] = "application/json";
    let res: HttpAnswer;
    try {
      res = await httpRequest(new URL(this.url(pathname, opts.query)), {
        method,
        headers,
        body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
        timeoutMs: opts.timeoutMs ?? 60_000,
      });
    } catch (err) {
      const why = err instanceof HttpRequestError ? err.reason : (err as Error).message;
      throw new CliError(`cannot reach the hub at ${this.hub} (${why})`);
    }
    const text = res.text;
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const ok = res.status >= 200 && res.status < 300;
    if (!ok && !opts.allow?.includes(res.status)) throw this.failure(res.status, body);
    return { status: res.status, body: body as T, headers: res.headers };
  }

  failure(status: number, body: unknown): HubError {
    const error = (body as ErrorBody | null)?.error;
    const code = error?.code ?? `http_${status}`;
    let message = error?.message ?? `the hub answered HTTP ${status}`;
    if (status === 401)
      message = this.token
        ? `${message} Run scion login${this.hub ? ` --hub ${this.hub}` : ""} again.`
        : `not signed in to ${this.hub}: run scion login --hub ${this.hub}`;
    // A validation error's details name the fields: "The request is invalid. (name: …)".
    if (Array.isArray(error?.details) && error.details.length > 0)
      message = `${message} (${(error.details as Array<{ path?: string; message?: string }>)
        .slice(0, 3)
        .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
        .join("; ")})`;
    return new HubError(message, status, code);
  }

  async get<T>(pathname: string, query?: Query): Promise<T> {
    return (await this.request<T>("GET", pathname, { query })).body;
  }
  async post<T>(pathname: string, json: unknown = {}, opts: Omit<RequestOptions, "json"> = {}) {
    return this.request<T>("POST", pathname, { ...opts, json });
  }
  async patch<T>(pathname: string, json: unknown): Promise<T> {
    return (await this.request<T>("PATCH", pathname, { json })).body;
  }
  async delete(pathname: string): Promise<void> {
    await this.request("DELETE", pathname);
  }

  /** Every page of a list (`{items, nextCursor}`), up to `max` items. */
  async all<T>(pathname: string, query: Query = {}, max = Infinity): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await this.get<{ items: T[]; nextCursor?: string | null }>(pathname, {
        ...query,
        limit: 500,
        cursor: cursor ?? undefined,
      });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < max);
    return items.slice(0, max);
  }
}
