/** SPEC §3: the home folder 0700, webhooks.json 0600, and a corrupt store reported and left alone. */
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeTempHome, runCli, STACK_LINE, type TempHome } from '../helpers/cli.js';

let temp: TempHome;
beforeEach(async () => {
  temp = await makeTempHome();
});
afterEach(async () => {
  await temp.cleanup();
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const CREATE = ['create', '--name', 'n', '--url', 'https://e.example/h', '--events', '*', '--generate-secret'];

describe('file modes', () => {
  test('a new home folder is created 0700 (parents too) and webhooks.json 0600', async () => {
    const home = join(temp.path, 'nested', 'home');
    const result = await runCli(CREATE, { home });
    expect(result.code, result.stderr).toBe(0);
    expect(await mode(home)).toBe(0o700);
    expect(await mode(join(temp.path, 'nested'))).toBe(0o700);
    expect(await mode(join(home, 'webhooks.json'))).toBe(0o600);
    // Atomic writes leave no temp file, and the lock is released.
    expect(await readdir(home)).toEqual(['webhooks.json']);
  });

  test('an existing 0755 home folder is tightened to 0700', async () => {
    const home = join(temp.path, 'loose');
    await mkdir(home);
    await chmod(home, 0o755);
    expect(await mode(home)).toBe(0o755);
    expect((await runCli(CREATE, { home })).code).toBe(0);
    expect(await mode(home)).toBe(0o700);
  });

  test('webhooks.json stays 0600 after update, disable and delete rewrite it', async () => {
    const home = temp.path;
    expect((await runCli([...CREATE, '--id', 'm'], { home })).code).toBe(0);
    expect((await runCli([...CREATE, '--id', 'k'], { home })).code).toBe(0);
    for (const args of [['update', 'm', '--name', 'x'], ['disable', 'm'], ['delete', 'm', '--yes']]) {
      expect((await runCli(args, { home })).code, args.join(' ')).toBe(0);
      expect(await mode(join(home, 'webhooks.json'))).toBe(0o600);
    }
  });

  test('a 0644 webhooks.json becomes 0600 on the next write', async () => {
    const home = temp.path;
    expect((await runCli([...CREATE, '--id', 'a'], { home })).code).toBe(0);
    await chmod(join(home, 'webhooks.json'), 0o644);
    expect((await runCli([...CREATE, '--id', 'b'], { home })).code).toBe(0);
    expect(await mode(join(home, 'webhooks.json'))).toBe(0o600);
  });
});

describe('a corrupt webhooks.json', () => {
  const seeded = JSON.stringify({
    version: 1,
    webhooks: [{ id: 'x', tenant: 'default', name: 'n', description: null, url: 'https://e.example/h', events: ['*'], secret: null, active: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' }],
  });

  const EVERY_COMMAND = [
    ['list'], ['list', '--json'], ['get', 'x'], CREATE, ['update', 'x', '--name', 'y'], ['disable', 'x'], ['enable', 'x'], ['delete', 'x', '--yes'],
  ];
  // The file is read the same way by every command: all of them for the two kinds of damage,
  // one reader and one writer for the other shapes.
  const READ_AND_WRITE = [['list'], CREATE];

  test.each([
    ['invalid JSON', `${seeded.slice(0, -5)}\n`, /is not valid JSON: /, EVERY_COMMAND],
    ['valid JSON of the wrong shape (an array)', '[{"id":"x"}]', /does not have the expected shape: the top level must be an object/, EVERY_COMMAND],
    ['a truncated file', '{"version":1,"webh', /is not valid JSON: /, READ_AND_WRITE],
    ['valid JSON of the wrong shape (webhooks not a list)', '{"version":1,"webhooks":{"x":{}}}', /does not have the expected shape: "webhooks" must be an array/, READ_AND_WRITE],
    ['a webhook missing its url', seeded.replace('"url":"https://e.example/h",', ''), /webhooks\[0\]\.url must be a string/, READ_AND_WRITE],
  ])('%s: exits 1 naming the path and the problem, and the bytes stay the same', async (_label, content, problem, commands) => {
    const home = temp.path;
    const path = join(home, 'webhooks.json');
    await writeFile(path, content, { mode: 0o600 });
    const before = await readFile(path);
    const results = await Promise.all(commands.map((args) => runCli(args, { home })));
    for (const [index, result] of results.entries()) {
      const args = commands[index] ?? [];
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(1);
      expect(result.stderr).toContain(path);
      expect(result.stderr).toMatch(problem);
      expect(result.stderr).toMatch(/left untouched/);
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stdout).toBe('');
    }
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(home)).toEqual(['webhooks.json']);
  });
});
