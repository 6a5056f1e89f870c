/**
 * Creates `count` agents through the API, 8 requests at a time, logging progress every
 * `progressEvery`; `body(i)` is the create body of agent i. Returns the ids in order. Any answer
 * but 201 stops the benchmark, naming the agent.
 */
export async function seedAgents(
  url: string,
  headers: Record<string, string>,
  count: number,
  body: (i: number) => Record<string, unknown>,
  progressEvery: number,
): Promise<string[]> {
  const ids = new Array<string>(count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${url}/api/v1/agents`, { method: "POST", headers, body: JSON.stringify(body(i)) });
      if (res.status !== 201) throw new Error(`seeding agent ${i}: HTTP ${res.status}`);
      ids[i] = ((await res.json()) as { id: string }).id;
      if (++done % progressEvery === 0) console.log(`  seeded ${done}/${count} agents`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}
