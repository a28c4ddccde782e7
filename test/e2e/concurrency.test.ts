/**
 * SPEC §3: webhooks.json is changed under a cross-process lock, so many `create` processes started
 * at once against one home all succeed and none of their webhooks is lost.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempHome, runCli, runCliJson, type TempHome } from '../helpers/cli.js';

let temp: TempHome;
beforeAll(async () => {
  temp = await makeTempHome();
});
afterAll(async () => {
  await temp.cleanup();
});

async function createAtOnce(prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const results = await Promise.all(
    ids.map((id) => runCli(
      ['create', '--id', id, '--name', `hook ${id}`, '--url', `https://e.example/${id}`, '--events', 'entity.*', '--generate-secret', '--json'],
      { home: temp.path, timeoutMs: 55_000 },
    )),
  );
  for (const [index, result] of results.entries()) {
    expect(result.code, `${ids[index] ?? '?'}: ${result.stderr}`).toBe(0);
    expect((JSON.parse(result.stdout) as { id: string }).id).toBe(ids[index]);
  }
  return ids;
}

async function listedIds(): Promise<string[]> {
  const listed = await runCliJson<Array<{ id: string; name: string }>>(['list', '--json'], { home: temp.path });
  expect(listed.code).toBe(0);
  for (const w of listed.json) expect(w.name).toBe(`hook ${w.id}`);
  return listed.json.map((w) => w.id);
}

describe('concurrent create processes', () => {
  test('16 at once: all succeed, all are listed', { timeout: 60_000 }, async () => {
    const ids = await createAtOnce('p16', 16);
    expect((await listedIds()).sort()).toEqual([...ids].sort());
  });

  test('then 64 at once into the same store: all 80 are listed, no temp or lock file is left', { timeout: 90_000 }, async () => {
    const first = (await listedIds()).sort();
    expect(first).toHaveLength(16);
    const ids = await createAtOnce('p64', 64);
    const all = await listedIds();
    expect(all).toHaveLength(80);
    expect([...all].sort()).toEqual([...first, ...ids].sort());
    expect(await readdir(temp.path)).toEqual(['webhooks.json']);
  });
});
