import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ConflictError, NotFoundError, StoreCorruptError } from '../../src/core/errors.js';
import { applyPatch, type Webhook } from '../../src/core/webhook.js';
import { ensureHome, homePaths, resolveHome, resolveTenant } from '../../src/store/home.js';
import { WebhookStore } from '../../src/store/webhook-store.js';
import { makeTempHome, type TempHome } from '../helpers/cli.js';

const hook = (id: string, tenant = 'default', over: Partial<Webhook> = {}): Webhook => ({
  id,
  tenant,
  name: `hook ${id}`,
  description: null,
  url: 'https://example.com/h',
  events: ['*'],
  secret: null,
  active: true,
  createdAt: '2026-12-03T12:00:00.000Z',
  updatedAt: '2026-12-03T12:00:00.000Z',
  ...over,
});

let temp: TempHome;
let path: string;

beforeEach(async () => {
  temp = await makeTempHome();
  path = join(temp.path, 'webhooks.json');
});
afterEach(async () => {
  await temp.cleanup();
});

describe('WebhookStore', () => {
  test('a missing file is an empty store, and reading does not create it', async () => {
    const store = new WebhookStore(path);
    expect(await store.list('default')).toEqual([]);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('create, get, list, update and delete round-trip through the file', async () => {
    const store = new WebhookStore(path);
    await store.create(hook('a'));
    await store.create(hook('b'));
    expect((await new WebhookStore(path).list('default')).map((w) => w.id)).toEqual(['a', 'b']);

    const updated = await store.update('default', 'a', (w) => applyPatch(w, { name: 'renamed' }, new Date('2027-01-01T00:00:00Z')));
    expect(updated.name).toBe('renamed');
    expect((await new WebhookStore(path).get('default', 'a')).name).toBe('renamed');

    expect((await store.delete('default', 'a')).id).toBe('a');
    expect((await new WebhookStore(path).list('default')).map((w) => w.id)).toEqual(['b']);
    const onDisk = JSON.parse(await readFile(path, 'utf8')) as { version: number; webhooks: Webhook[] };
    expect(onDisk.version).toBe(1);
    expect(onDisk.webhooks.map((w) => w.id)).toEqual(['b']);
  });

  test('writes the file 0600 and leaves no temp or lock files behind', async () => {
    const store = new WebhookStore(path);
    await store.create(hook('a'));
    await store.create(hook('b'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(temp.path)).toEqual(['webhooks.json']);
  });

  test('keeps tenants apart: same id in two tenants, each sees only its own', async () => {
    const store = new WebhookStore(path);
    await store.create(hook('same', 'a'));
    await store.create(hook('same', 'b', { name: 'in b' }));
    await store.create(hook('only-a', 'a'));
    expect((await store.list('a')).map((w) => w.id)).toEqual(['same', 'only-a']);
    expect((await store.list('b')).map((w) => w.id)).toEqual(['same']);
    expect((await store.get('b', 'same')).name).toBe('in b');
    await expect(store.get('b', 'only-a')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.delete('b', 'only-a')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.update('b', 'only-a', (w) => w)).rejects.toBeInstanceOf(NotFoundError);
    await store.delete('a', 'same');
    expect((await store.get('b', 'same')).tenant).toBe('b');
  });

  test('refuses a duplicate id in one tenant, naming the id, and writes nothing', async () => {
    const store = new WebhookStore(path);
    await store.create(hook('dup'));
    const before = await readFile(path);
    const error = await store.create(hook('dup', 'default', { name: 'second' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).exitCode).toBe(2);
    expect((error as Error).message).toContain('"dup"');
    expect(await readFile(path)).toEqual(before);
  });

  test('an update that throws writes nothing', async () => {
    const store = new WebhookStore(path);
    await store.create(hook('a'));
    const before = await readFile(path);
    await expect(store.update('default', 'a', (w) => applyPatch(w, { url: 'ftp://x' }, new Date()))).rejects.toThrow(/url/);
    expect(await readFile(path)).toEqual(before);
  });

  test('sees changes made by another store instance (another process) at once', async () => {
    const reader = new WebhookStore(path);
    expect(await reader.list('default')).toEqual([]);
    const writer = new WebhookStore(path);
    await writer.create(hook('a'));
    expect((await reader.list('default')).map((w) => w.id)).toEqual(['a']);
    await writer.update('default', 'a', (w) => ({ ...w, active: false }));
    expect((await reader.get('default', 'a')).active).toBe(false);
    await writer.delete('default', 'a');
    expect(await reader.list('default')).toEqual([]);
  });

  test('a long-lived store does not bring back webhooks after the file was removed', async () => {
    const store = new WebhookStore(path);
    await store.create(hook('old'));
    expect((await store.list('default')).map((w) => w.id)).toEqual(['old']);
    await rm(path);
    await store.create(hook('new'));
    expect((await new WebhookStore(path).list('default')).map((w) => w.id)).toEqual(['new']);
  });

  test('concurrent creates through separate instances lose nothing', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => `c${i}`);
    await Promise.all(ids.map((id) => new WebhookStore(path).create(hook(id))));
    expect((await new WebhookStore(path).list('default')).map((w) => w.id).sort()).toEqual([...ids].sort());
  });

  test.each([
    ['invalid JSON', '{"version":1,"webhooks":[', /is not valid JSON/],
    ['an empty file', '', /is not valid JSON/],
    ['a top-level array', '[]', /the top level must be an object/],
    ['null', 'null', /the top level must be an object/],
    ['webhooks not an array', '{"version":1,"webhooks":{}}', /"webhooks" must be an array/],
    ['a webhook without url', '{"version":1,"webhooks":[{"id":"a","tenant":"default","name":"n","events":[],"active":true}]}', /webhooks\[0\]\.url must be a string/],
    ['a webhook with active "yes"', '{"version":1,"webhooks":[{"id":"a","tenant":"default","name":"n","url":"u","events":[],"active":"yes"}]}', /webhooks\[0\]\.active must be a boolean/],
  ])('%s: reported with the path, never overwritten', async (_label, content, problem) => {
    await writeFile(path, content, { mode: 0o600 });
    const store = new WebhookStore(path);
    for (const attempt of [
      () => store.list('default'),
      () => store.get('default', 'a'),
      () => store.create(hook('b')),
      () => store.update('default', 'a', (w) => w),
      () => store.delete('default', 'a'),
    ]) {
      const error = await attempt().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(StoreCorruptError);
      expect((error as StoreCorruptError).exitCode).toBe(1);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toMatch(problem);
      expect((error as StoreCorruptError).hint).toMatch(/left untouched/);
    }
    expect(await readFile(path, 'utf8')).toBe(content);
  });
});

describe('home folder', () => {
  test('resolveHome: flag, then SIGMA_HOOKS_HOME, then ~/.sigma-hooks, always absolute', () => {
    expect(resolveHome('/x/flag', { SIGMA_HOOKS_HOME: '/x/env' })).toBe('/x/flag');
    expect(resolveHome(undefined, { SIGMA_HOOKS_HOME: '/x/env' })).toBe('/x/env');
    expect(resolveHome(undefined, { SIGMA_HOOKS_HOME: '' })).toMatch(/\/\.sigma-hooks$/);
    expect(resolveHome(undefined, {})).toMatch(/\/\.sigma-hooks$/);
    expect(resolveHome('rel', {})).toBe(join(process.cwd(), 'rel'));
  });

  test('resolveTenant: flag, then SIGMA_HOOKS_TENANT, then default; invalid names refused', () => {
    expect(resolveTenant('flag', { SIGMA_HOOKS_TENANT: 'env' })).toBe('flag');
    expect(resolveTenant(undefined, { SIGMA_HOOKS_TENANT: 'env' })).toBe('env');
    expect(resolveTenant(undefined, {})).toBe('default');
    expect(() => resolveTenant('a b', {})).toThrow(/^--tenant: /);
    expect(() => resolveTenant(undefined, { SIGMA_HOOKS_TENANT: '../x' })).toThrow(/^SIGMA_HOOKS_TENANT: /);
  });

  test('homePaths puts every file in the home folder', () => {
    expect(homePaths('/h')).toEqual({
      home: '/h',
      webhooks: '/h/webhooks.json',
      journal: '/h/deliveries.jsonl',
      socket: '/h/daemon.sock',
      pid: '/h/daemon.pid',
      log: '/h/daemon.log',
    });
  });

  test('ensureHome creates the folder 0700 and tightens an existing one', async () => {
    const fresh = join(temp.path, 'a', 'b');
    await ensureHome(fresh);
    expect((await stat(fresh)).mode & 0o777).toBe(0o700);
    const loose = join(temp.path, 'loose');
    await mkdir(loose);
    await chmod(loose, 0o755);
    await ensureHome(loose);
    expect((await stat(loose)).mode & 0o777).toBe(0o700);
  });
});
