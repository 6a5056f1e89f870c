import fs from "node:fs";
import path from "node:path";
import pg from "pg";

/**
 * Runs SQL on the dev hub's embedded database (credentials and the port it chose are in its data
 * dir), for seeding what no API creates — such as a person who has signed in before.
 */
export async function devSql(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const dir = process.env.E2E_DATA_DIR!;
  const { user, password } = JSON.parse(fs.readFileSync(path.join(dir, "postgres-credentials.json"), "utf8")) as {
    user: string;
    password: string;
  };
  const port = Number(fs.readFileSync(path.join(dir, "postgres", "postmaster.pid"), "utf8").split("\n")[3]);
  const client = new pg.Client({ host: "127.0.0.1", port, user, password, database: "scion" });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
