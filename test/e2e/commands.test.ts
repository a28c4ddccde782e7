/** Every definition command, run as the built CLI against a temp home: happy paths and --json shapes. */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { EVENT_NAMES } from '../../src/core/events.js';
import type { PublicWebhook } from '../../src/core/webhook.js';
import { makeTempHome, runCli, runCliJson, STACK_LINE, type TempHome } from '../helpers/cli.js';

const MASK = '••••••••';
const SECRET = 'my-own-secret-0123456789';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let temp: TempHome;
let home: string;
beforeEach(async () => {
  temp = await makeTempHome();
  home = temp.path;
});
afterEach(async () => {
  await temp.cleanup();
});

const cli = (...args: string[]) => runCli(args, { home });
const cliJson = <T>(...args: string[]) => runCliJson<T>(args, { home });

/** Creates a webhook through the CLI and returns its JSON view. */
async function create(...args: string[]): Promise<PublicWebhook> {
  const result = await cliJson<PublicWebhook>('create', '--json', ...args);
  expect(result.code, result.stderr).toBe(0);
  return result.json;
}

describe('events', () => {
  test('prints the catalog of 7 events and the wildcards', async () => {
    const { code, stdout, stderr } = await cli('events');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const name of EVENT_NAMES) expect(stdout).toMatch(new RegExp(`^${name.replace('.', '\\.')}\\s`, 'm'));
    expect(stdout).toContain('a variant is created under an entity');
    expect(stdout).toContain('entity.*, variant.*, *');
  });

  test('--json prints the catalog as an array', async () => {
    const { code, json } = await cliJson<Array<{ name: string; triggeredWhen: string; dataFields: string[] }>>('events', '--json');
    expect(code).toBe(0);
    expect(json.map((e) => e.name)).toEqual([...EVENT_NAMES]);
    expect(json.find((e) => e.name === 'entity.transition')?.dataFields).toEqual(['entityId', 'entityType', 'from', 'to']);
  });
});

describe('create', () => {
  test('with every flag: prints what it created, secret masked', async () => {
    const { code, stdout, stderr } = await cli(
      'create', '--id', 'wh-erp', '--name', 'Sync Notifications', '--url', 'https://erp.example.com/hooks/sigma-pim',
      '--events', 'entity.created,entity.updated', '--description', 'ERP feed', '--secret', SECRET,
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^✔ Created webhook wh-erp$/m);
    expect(stdout).toMatch(/^url\s+https:\/\/erp\.example\.com\/hooks\/sigma-pim$/m);
    expect(stdout).toMatch(/^events\s+entity\.created, entity\.updated$/m);
    expect(stdout).toMatch(/^description\s+ERP feed$/m);
    expect(stdout).toMatch(new RegExp(`^secret\\s+${MASK}$`, 'm'));
    expect(stdout).not.toContain(SECRET);
  });

  test('--json prints the webhook object; defaults are filled in', async () => {
    const { code, json, stderr } = await cliJson<PublicWebhook>(
      'create', '--json', '--name', '  Padded  ', '--url', 'http://localhost:4000/hook', '--events', 'entity.*, *,entity.*',
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(Object.keys(json).sort()).toEqual(['active', 'createdAt', 'description', 'events', 'id', 'name', 'secret', 'updatedAt', 'url']);
    expect(json).toMatchObject({
      name: 'Padded',
      url: 'http://localhost:4000/hook',
      events: ['entity.*', '*'],
      description: null,
      secret: null,
      active: true,
    });
    expect(json.id).toMatch(/^wh_[a-z0-9]{20}$/);
    expect(json.createdAt).toMatch(ISO);
    expect(json.updatedAt).toBe(json.createdAt);
  });

  test('--inactive creates it disabled', async () => {
    expect((await create('--name', 'n', '--url', 'https://e.example/h', '--events', 'variant.deleted', '--inactive')).active).toBe(false);
  });

  test('--generate-secret prints a whsec_ secret once; list never shows it', async () => {
    const plain = await cli('create', '--id', 'gen', '--name', 'n', '--url', 'https://e.example/h', '--events', '*', '--generate-secret');
    expect(plain.code, plain.stderr).toBe(0);
    const secrets = plain.stdout.match(/whsec_[A-Za-z0-9_-]+/g) ?? [];
    expect(secrets).toHaveLength(1);
    const secret = secrets[0]!;
    expect(secret.length).toBeGreaterThanOrEqual(16 + 'whsec_'.length);
    expect(plain.stdout).toMatch(/shown once/);

    const withJson = await create('--id', 'gen2', '--name', 'n', '--url', 'https://e.example/h', '--events', '*', '--generate-secret');
    expect(withJson.secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);
    expect(withJson.secret).not.toBe(secret);

    const list = await cli('list');
    const listJson = await cli('list', '--json');
    const get = await cli('get', 'gen');
    const getJson = await cli('get', 'gen', '--json');
    for (const output of [list, listJson, get, getJson]) {
      expect(output.code).toBe(0);
      expect(output.stdout).not.toContain('whsec_');
      expect(output.stdout).toContain(MASK);
    }
    const shown = await cliJson<PublicWebhook>('get', 'gen', '--json', '--show-secret');
    expect(shown.json.secret).toBe(secret);
  });
});

describe('list', () => {
  test('with no home folder yet: the empty message naming the tenant, and [] with --json', async () => {
    const fresh = `${home}/not-yet`;
    const plain = await runCli(['list'], { home: fresh });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('No webhooks in tenant "default"');
    const json = await runCliJson<unknown>(['list', '--json'], { home: fresh });
    expect(json.code).toBe(0);
    expect(json.json).toEqual([]);
  });

  test('a plain table with one row per webhook, secrets masked or none', async () => {
    await create('--id', 'a', '--name', 'Alpha', '--url', 'https://a.example/h', '--events', 'entity.created', '--secret', SECRET);
    await create('--id', 'b', '--name', 'Beta', '--url', 'https://b.example/h', '--events', 'variant.*', '--inactive');
    const { code, stdout, stderr } = await cli('list');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/));
    expect(lines).toEqual([
      ['ID', 'NAME', 'URL', 'EVENTS', 'ACTIVE', 'SECRET'],
      ['a', 'Alpha', 'https://a.example/h', 'entity.created', 'yes', MASK],
      ['b', 'Beta', 'https://b.example/h', 'variant.*', 'no', 'none'],
    ]);
    expect(stdout).not.toMatch(/[\u2500-\u257F]/);
    expect(stdout).not.toContain(SECRET);
  });

  test('--json prints an array of webhook objects, secrets masked or null', async () => {
    await create('--id', 'a', '--name', 'Alpha', '--url', 'https://a.example/h', '--events', 'entity.created', '--secret', SECRET);
    await create('--id', 'b', '--name', 'Beta', '--url', 'https://b.example/h', '--events', 'variant.*');
    const { code, json, stderr } = await cliJson<PublicWebhook[]>('list', '--json');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(Array.isArray(json)).toBe(true);
    expect(json.map((w) => [w.id, w.secret])).toEqual([['a', MASK], ['b', null]]);
    expect(json[0]).not.toHaveProperty('tenant');
  });
});

describe('get', () => {
  test('plain, --json and --show-secret', async () => {
    const created = await create('--id', 'g', '--name', 'Getter', '--url', 'https://g.example/h', '--events', 'entity.deleted', '--secret', SECRET, '--description', 'about');
    const plain = await cli('get', 'g');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^id\s+g$/m);
    expect(plain.stdout).toMatch(/^name\s+Getter$/m);
    expect(plain.stdout).toMatch(new RegExp(`^secret\\s+${MASK}$`, 'm'));
    expect(plain.stdout).toMatch(/^description\s+about$/m);
    expect(plain.stdout).not.toContain(SECRET);

    const json = await cliJson<PublicWebhook>('get', 'g', '--json');
    expect(json.code).toBe(0);
    expect(json.json).toEqual({ ...created, secret: MASK });

    const shown = await cliJson<PublicWebhook>('get', 'g', '--json', '--show-secret');
    expect(shown.json).toEqual({ ...created, secret: SECRET });
    const shownPlain = await cli('get', 'g', '--show-secret');
    expect(shownPlain.stdout).toMatch(new RegExp(`^secret\\s+${SECRET}$`, 'm'));
  });
});

describe('update, enable, disable', () => {
  test('every flag changes what it names and keeps the rest', async () => {
    const before = await create('--id', 'u', '--name', 'Old', '--url', 'https://old.example/h', '--events', 'entity.created', '--description', 'd');
    const result = await cliJson<PublicWebhook>(
      'update', 'u', '--json', '--name', 'New', '--url', 'https://new.example/h', '--add-events', 'entity.transition,variant.*',
      '--secret', SECRET, '--active', 'false',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({
      id: 'u', name: 'New', url: 'https://new.example/h', events: ['entity.created', 'entity.transition', 'variant.*'],
      description: 'd', secret: MASK, active: false, createdAt: before.createdAt,
    });
    expect(Date.parse(result.json.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));

    const stored = await cliJson<PublicWebhook>('get', 'u', '--json', '--show-secret');
    expect(stored.json).toEqual({ ...result.json, secret: SECRET });

    const removed = await cliJson<PublicWebhook>('update', 'u', '--json', '--remove-events', 'entity.created', '--remove-secret', '--description', '');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.json).toMatchObject({ events: ['entity.transition', 'variant.*'], secret: null, description: null });

    const replaced = await cliJson<PublicWebhook>('update', 'u', '--json', '--events', 'variant.created,variant.created', '--active', 'true');
    expect(replaced.json).toMatchObject({ events: ['variant.created'], active: true });
  });

  test('plain output says what happened', async () => {
    await create('--id', 'p', '--name', 'Plain', '--url', 'https://p.example/h', '--events', '*');
    const { code, stdout } = await cli('update', 'p', '--description', 'ERP');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✔ Updated webhook p$/m);
    expect(stdout).toMatch(/^description\s+ERP$/m);
  });

  test('disable and enable toggle active', async () => {
    await create('--id', 't', '--name', 'Toggle', '--url', 'https://t.example/h', '--events', '*');
    const disabled = await cli('disable', 't');
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(/^✔ Disabled webhook t$/m);
    expect(disabled.stdout).toMatch(/^active\s+no$/m);
    expect((await cliJson<PublicWebhook>('get', 't', '--json')).json.active).toBe(false);

    const enabled = await cliJson<PublicWebhook>('enable', 't', '--json');
    expect(enabled.code).toBe(0);
    expect(enabled.json.active).toBe(true);
    expect((await cliJson<PublicWebhook>('get', 't', '--json')).json.active).toBe(true);
  });
});

describe('delete', () => {
  test('--yes deletes it; it is gone from get and list', async () => {
    await create('--id', 'keep', '--name', 'Keep', '--url', 'https://k.example/h', '--events', '*');
    await create('--id', 'gone', '--name', 'Gone', '--url', 'https://g.example/h', '--events', '*');
    const { code, stdout } = await cli('delete', 'gone', '--yes');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✔ Deleted webhook gone$/m);
    expect((await cli('get', 'gone')).code).toBe(1);
    expect((await cliJson<PublicWebhook[]>('list', '--json')).json.map((w) => w.id)).toEqual(['keep']);
  });

  test('-y --json prints what was deleted', async () => {
    await create('--id', 'd', '--name', 'D', '--url', 'https://d.example/h', '--events', '*', '--secret', SECRET);
    const { code, json } = await cliJson<{ deleted: boolean; webhook: PublicWebhook }>('delete', 'd', '-y', '--json');
    expect(code).toBe(0);
    expect(json.deleted).toBe(true);
    expect(json.webhook).toMatchObject({ id: 'd', secret: MASK });
  });
});

describe('global options', () => {
  test('--home works without SIGMA_HOOKS_HOME and before or after the command', async () => {
    const dir = `${home}/via-flag`;
    const made = await runCli(['--home', dir, 'create', '--id', 'h', '--name', 'n', '--url', 'https://e.example/h', '--events', '*']);
    expect(made.code, made.stderr).toBe(0);
    const listed = await runCliJson<PublicWebhook[]>(['list', '--json', '--home', dir]);
    expect(listed.json.map((w) => w.id)).toEqual(['h']);
    // The env home is another folder and does not have it.
    expect((await cliJson<PublicWebhook[]>('list', '--json')).json).toEqual([]);
  });

  test('--json output is one JSON document on stdout and nothing on stderr, for every command', async () => {
    for (const args of [
      ['create', '--id', 'j', '--name', 'n', '--url', 'https://e.example/h', '--events', '*', '--generate-secret'],
      ['list'], ['get', 'j'], ['update', 'j', '--name', 'm'], ['disable', 'j'], ['enable', 'j'], ['events'], ['delete', 'j', '--yes'],
    ]) {
      const result = await cliJson<unknown>(...args, '--json');
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.stdout, args.join(' ')).not.toMatch(STACK_LINE);
    }
  });

  test('--version and --help exit 0', async () => {
    const version = await cli('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const command of ['create', 'list', 'get', 'update', 'enable', 'disable', 'delete', 'events']) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });
});
