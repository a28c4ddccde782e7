/**
 * Every error path of the definition commands: exit code, a message naming the field, no stack
 * trace, nothing on stdout, and the store byte-for-byte as it was.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EVENT_NAMES, WILDCARDS } from '../../src/core/events.js';
import { makeTempHome, runCli, STACK_LINE, type TempHome } from '../helpers/cli.js';

let temp: TempHome;
let home: string;
let storePath: string;

beforeAll(async () => {
  temp = await makeTempHome();
  home = temp.path;
  storePath = join(home, 'webhooks.json');
  const seeded = await runCli(
    ['create', '--id', 'seed', '--name', 'Seed', '--url', 'https://seed.example/h', '--events', 'entity.created', '--secret', 'seed-secret-0123456789'],
    { home },
  );
  expect(seeded.code, seeded.stderr).toBe(0);
});
afterAll(async () => {
  await temp.cleanup();
});

const VALID = ['--name', 'n', '--url', 'https://e.example/h', '--events', 'entity.created'];

type Case = [label: string, args: string[], code: number, stderr: RegExp[], env?: Record<string, string>];

const cases: Case[] = [
  ['no command at all', [], 2, [/Usage: sigma-hooks/]],
  // create: missing flags, without a terminal
  ['create without any flag', ['create'], 2, [/missing required flags --name, --url, --events/]],
  ['create without --events', ['create', '--name', 'n', '--url', 'https://e.example/h'], 2, [/missing required flag --events(?!,)/]],
  ['create without --name and --url', ['create', '--events', '*'], 2, [/missing required flags --name, --url(?!,)/]],
  ['create with missing flags and --json', ['create', '--json', '--name', 'n'], 2, [/--url, --events/]],
  // create: bad values
  ['create with a relative url', ['create', ...VALID, '--url', '/hooks'], 2, [/--url: .*not an absolute URL/]],
  ['create with an ftp url', ['create', ...VALID, '--url', 'ftp://files.example.com/'], 2, [/--url: must use http: or https:, got ftp:/]],
  ['create with an unknown event', ['create', ...VALID, '--events', 'entity.created,entity.renamed'], 2,
    [/--events: unknown event "entity\.renamed"; valid: /, ...[...EVENT_NAMES, ...WILDCARDS].map((e) => new RegExp(e.replace(/[.*]/g, '\\$&')))]],
  ['create with an empty events list', ['create', ...VALID, '--events', ','], 2, [/--events: must name at least one event/]],
  ['create with a blank name', ['create', ...VALID, '--name', '   '], 2, [/--name: must not be empty/]],
  ['create with a 201-character name', ['create', ...VALID, '--name', 'n'.repeat(201)], 2, [/--name: must be at most 200 characters/]],
  ['create with a 2001-character description', ['create', ...VALID, '--description', 'd'.repeat(2001)], 2, [/--description: must be at most 2000/]],
  ['create with a bad id', ['create', ...VALID, '--id', '-bad'], 2, [/--id: must be 1–128 characters/]],
  ['create with a 129-character id', ['create', ...VALID, '--id', 'a'.repeat(129)], 2, [/--id: /]],
  ['create with a short secret', ['create', ...VALID, '--secret', 'short'], 2, [/--secret: must be at least 16 characters/]],
  ['create with --secret and --generate-secret', ['create', ...VALID, '--secret', 's'.repeat(16), '--generate-secret'], 2, [/--secret and --generate-secret/]],
  ['create with several bad flags, each named', ['create', '--name', '', '--url', 'nope', '--events', 'x', '--secret', 'short'], 2,
    [/--name: /, /--url: /, /--events: /, /--secret: /]],
  ['create with a duplicate id', ['create', ...VALID, '--id', 'seed'], 2, [/"seed" already exists in tenant "default"/]],
  ['create with an unknown flag', ['create', ...VALID, '--colour', 'red'], 2, [/unknown option '--colour'/]],
  // update
  ['update without changes', ['update', 'seed'], 2, [/nothing to update/]],
  ['update with a bad --active', ['update', 'seed', '--active', 'maybe'], 2, [/--active: "maybe" is not a boolean; use true or false/]],
  ['update with --secret and --remove-secret', ['update', 'seed', '--secret', 's'.repeat(16), '--remove-secret'], 2, [/--secret.*--remove-secret|--remove-secret.*--secret/]],
  ['update with a bad url', ['update', 'seed', '--url', 'mailto:a@example.com'], 2, [/--url: must use http: or https:/]],
  ['update with an unknown added event', ['update', 'seed', '--add-events', 'entity.nope'], 2, [/--add-events: unknown event "entity\.nope"; valid: entity\.created/]],
  ['update removing every event', ['update', 'seed', '--remove-events', 'entity.created'], 2, [/--remove-events: would leave the webhook with no events/]],
  ['update with an empty --events', ['update', 'seed', '--events', ''], 2, [/--events: must name at least one event/]],
  ['update with a short secret', ['update', 'seed', '--secret', 'x'], 2, [/--secret: must be at least 16/]],
  // unknown ids: the operation failed
  ['get an unknown id', ['get', 'nope'], 1, [/no webhook "nope" in tenant "default"/]],
  ['update an unknown id', ['update', 'nope', '--name', 'x'], 1, [/no webhook "nope"/]],
  ['enable an unknown id', ['enable', 'nope'], 1, [/no webhook "nope"/]],
  ['disable an unknown id', ['disable', 'nope'], 1, [/no webhook "nope"/]],
  ['delete an unknown id', ['delete', 'nope', '--yes'], 1, [/no webhook "nope"/]],
  ['delete an unknown id without --yes', ['delete', 'nope'], 1, [/no webhook "nope"/]],
  // delete needs a terminal or --yes
  ['delete without --yes and without a terminal', ['delete', 'seed'], 2, [/refusing to delete "seed" without confirmation/, /--yes/]],
  // bad usage
  ['get without an id', ['get'], 2, [/missing required argument 'id'/]],
  ['an unknown command', ['frobnicate'], 2, [/unknown command 'frobnicate'/]],
  ['an invalid --tenant', ['list', '--tenant', 'no spaces'], 2, [/--tenant: "no spaces" is not a valid tenant/]],
  ['an invalid SIGMA_HOOKS_TENANT', ['list'], 2, [/SIGMA_HOOKS_TENANT: "\.\.\/x" is not a valid tenant/], { SIGMA_HOOKS_TENANT: '../x' }],
];

describe('errors', () => {
  test.each(cases)('%s → exit %i', async (_label, args, code, messages, env = {}) => {
    const before = await readFile(storePath);
    const result = await runCli(args, { home, env });
    expect(result.code, result.stderr).toBe(code);
    for (const message of messages) expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe('');
    expect(await readFile(storePath)).toEqual(before);
  });

  test('the refused delete left the webhook in place', async () => {
    const refused = await runCli(['delete', 'seed'], { home });
    expect(refused.code).toBe(2);
    const get = await runCli(['get', 'seed', '--json'], { home });
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ id: 'seed' });
  });

  test('a secret given on the command line never appears in an error', async () => {
    const result = await runCli(['create', '--name', '', '--url', 'https://e.example/h', '--events', '*', '--secret', 'sekrit-value-0123456789'], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('sekrit-value');
  });
});
