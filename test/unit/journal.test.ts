import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { JournalRecord } from '../../src/core/delivery.js';
import { Journal, JournalCorruptError } from '../../src/journal/journal.js';

const T0 = Date.parse('2026-12-03T12:00:00.000Z');
let dir: string;
let path: string;
const open: Journal[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sigma-journal-'));
  path = join(dir, 'deliveries.jsonl');
});

afterEach(async () => {
  for (const journal of open.splice(0)) await journal.close();
  await rm(dir, { recursive: true, force: true });
});

async function openJournal(options: Partial<Parameters<typeof Journal.open>[0]> = {}): Promise<Journal> {
  const journal = await Journal.open({ path, now: () => T0, ...options });
  open.push(journal);
  return journal;
}

function emission(i: number): JournalRecord[] {
  return [
    { t: 'event', eventId: `e${i}`, event: 'entity.created', tenant: 'default', timestamp: new Date(T0).toISOString(), dataJson: `{"i":${i}}` },
    { t: 'delivery', id: `d${i}`, eventId: `e${i}`, webhookId: 'wh-a', createdAt: new Date(T0 + i).toISOString(), due: T0 },
  ];
}

function success(i: number): JournalRecord {
  return { t: 'attempt', id: `d${i}`, attempt: 1, startedAt: new Date(T0).toISOString(), durationMs: 1, statusCode: 200, status: 'succeeded', next: null, at: T0 + i };
}

async function lines(): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
}

describe('Journal', () => {
  test('a durable append is on disk when it resolves, and a reopen replays it', async () => {
    const journal = await openJournal();
    await journal.append(emission(1));
    expect(await lines()).toHaveLength(2);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await journal.close();
    open.length = 0;
    const again = await openJournal();
    expect(again.delivery('d1')).toMatchObject({ status: 'pending', event: 'entity.created', dataJson: '{"i":1}' });
  });

  test('concurrent appends all land, in order per caller', async () => {
    const journal = await openJournal();
    await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(emission(i))));
    journal.appendLater([success(7)]);
    await journal.append([]);
    const written = (await lines()).map((line) => JSON.parse(line) as JournalRecord);
    expect(written).toHaveLength(401);
    expect(written.filter((r) => r.t === 'delivery')).toHaveLength(200);
    expect(journal.delivery('d7')?.status).toBe('succeeded');
  });

  test('a torn last line is dropped and cut off, so later appends stay readable', async () => {
    const journal = await openJournal();
    await journal.append(emission(1));
    await journal.close();
    open.length = 0;
    await appendFile(path, '{"t":"delivery","id":"d2","eventId":"e1","webh');
    const again = await openJournal();
    expect(again.delivery('d2')).toBeUndefined();
    expect(again.delivery('d1')).toBeDefined();
    await again.append([success(1)]);
    for (const line of await lines()) expect(() => JSON.parse(line)).not.toThrow();
  });

  test('damage before the last line is reported with path and line, and the file is left alone', async () => {
    const journal = await openJournal();
    await journal.append([...emission(1), ...emission(2)]);
    await journal.close();
    open.length = 0;
    const content = await readFile(path, 'utf8');
    const damaged = content.replace('"t":"delivery","id":"d1"', '"t":"delivery","id":"d1"GARBAGE');
    await writeFile(path, damaged);
    const error = await Journal.open({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as Error).message).toContain(`${path}:2`);
    expect(await readFile(path, 'utf8')).toBe(damaged);
  });

  test('compaction bounds the file and keeps pending work', async () => {
    const journal = await openJournal({ compactAfterLines: 50, retention: { maxFinished: 5, maxAgeMs: Number.MAX_SAFE_INTEGER } });
    await journal.append([...emission(0)]); // stays pending
    for (let i = 1; i <= 100; i++) await journal.append([...emission(i), success(i)]);
    await journal.compact();
    const written = await lines();
    expect(written.length).toBeLessThan(50);
    expect([...journal.state.deliveries.keys()].sort()).toEqual(['d0', 'd100', 'd96', 'd97', 'd98', 'd99']);
    await journal.close();
    open.length = 0;
    const again = await openJournal();
    expect(again.delivery('d0')).toMatchObject({ status: 'pending' });
    expect(again.delivery('d50')).toBeUndefined();
    expect(again.delivery('d100')).toMatchObject({ status: 'succeeded' });
  });
});
