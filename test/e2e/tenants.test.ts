/** Every command sees only its tenant: `--tenant`, `SIGMA_HOOKS_TENANT`, default `default`. */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeTempHome, runCli, runCliJson, type RunCliOptions, type TempHome } from '../helpers/cli.js';

let temp: TempHome;
beforeEach(async () => {
  temp = await makeTempHome();
});
afterEach(async () => {
  await temp.cleanup();
});

const hook = (id: string, name: string) => ['create', '--id', id, '--name', name, '--url', 'https://e.example/h', '--events', '*'];

async function ids(opts: RunCliOptions, ...args: string[]): Promise<string[]> {
  const result = await runCliJson<Array<{ id: string }>>(['list', '--json', ...args], { home: temp.path, ...opts });
  expect(result.code, result.stderr).toBe(0);
  return result.json.map((w) => w.id);
}

describe('tenant isolation', () => {
  test('webhooks of tenant a are invisible to b and to the default tenant', async () => {
    const home = temp.path;
    expect((await runCli([...hook('only-a', 'A'), '--tenant', 'a'], { home })).code).toBe(0);
    expect(await ids({}, '--tenant', 'a')).toEqual(['only-a']);
    expect(await ids({}, '--tenant', 'b')).toEqual([]);
    expect(await ids({})).toEqual([]);

    const emptyB = await runCli(['list', '--tenant', 'b'], { home });
    expect(emptyB.stdout).toContain('No webhooks in tenant "b"');

    for (const args of [['get', 'only-a'], ['update', 'only-a', '--name', 'x'], ['disable', 'only-a'], ['enable', 'only-a'], ['delete', 'only-a', '--yes']]) {
      const result = await runCli([...args, '--tenant', 'b'], { home });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain('no webhook "only-a" in tenant "b"');
    }
    // Still there, untouched, for a.
    const inA = await runCliJson<{ name: string; active: boolean }>(['get', 'only-a', '--json', '--tenant', 'a'], { home });
    expect(inA.json).toMatchObject({ name: 'A', active: true });
  });

  test('the same id may exist in two tenants; each change stays in its tenant', async () => {
    const home = temp.path;
    expect((await runCli([...hook('shared', 'in a'), '--tenant', 'a'], { home })).code).toBe(0);
    expect((await runCli([...hook('shared', 'in b'), '--tenant', 'b'], { home })).code).toBe(0);
    expect((await runCli(['update', 'shared', '--name', 'b renamed', '--tenant', 'b'], { home })).code).toBe(0);
    expect((await runCli(['delete', 'shared', '--yes', '--tenant', 'a'], { home })).code).toBe(0);
    expect(await ids({}, '--tenant', 'a')).toEqual([]);
    const inB = await runCliJson<{ name: string }>(['get', 'shared', '--json', '--tenant', 'b'], { home });
    expect(inB.json.name).toBe('b renamed');
  });

  test('a duplicate id in the same tenant is refused with exit 2 naming the id', async () => {
    const home = temp.path;
    expect((await runCli([...hook('twice', 'first'), '--tenant', 'a'], { home })).code).toBe(0);
    const again = await runCli([...hook('twice', 'second'), '--tenant', 'a'], { home });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('"twice"');
    expect(again.stderr).toContain('tenant "a"');
    const kept = await runCliJson<{ name: string }>(['get', 'twice', '--json', '--tenant', 'a'], { home });
    expect(kept.json.name).toBe('first');
  });

  test('SIGMA_HOOKS_TENANT selects the tenant, and --tenant overrides it', async () => {
    const home = temp.path;
    const envA = { env: { SIGMA_HOOKS_TENANT: 'a' } };
    expect((await runCli(hook('via-env', 'E'), { home, ...envA })).code).toBe(0);
    expect(await ids(envA)).toEqual(['via-env']);
    expect(await ids({}, '--tenant', 'a')).toEqual(['via-env']);
    expect(await ids({})).toEqual([]);
    expect(await ids(envA, '--tenant', 'b')).toEqual([]);
    expect((await runCli(['get', 'via-env'], { home, ...envA })).code).toBe(0);
    expect((await runCli(['get', 'via-env', '--tenant', 'default'], { home, ...envA })).code).toBe(1);
  });

  test('an unset or empty SIGMA_HOOKS_TENANT means the default tenant', async () => {
    const home = temp.path;
    expect((await runCli(hook('d', 'D'), { home })).code).toBe(0);
    expect(await ids({ env: { SIGMA_HOOKS_TENANT: '' } })).toEqual(['d']);
    expect(await ids({}, '--tenant', 'default')).toEqual(['d']);
  });
});
