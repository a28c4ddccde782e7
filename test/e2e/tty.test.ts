/**
 * The CLI on a real pseudo-terminal, through util-linux `script`: the `create` prompts, the
 * `delete` confirmation, tables and colour on a terminal, and NO_COLOR / --no-color / --json.
 * Keystrokes are sent only once the prompt they answer is on screen (no sleeps).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BIN, cliEnv, makeTempHome, REPO_ROOT, runCli, runCliJson, type TempHome } from '../helpers/cli.js';
import { Waiters } from '../helpers/daemon.js';

const SCRIPT = '/usr/bin/script';
const KEY = { enter: '\r', space: ' ', down: '\u001b[B' } as const;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;
/** A colour or text-style escape (SGR); prompts also move the cursor, which is not colour. */
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/;
const BOX_DRAWING = /[\u2500-\u257F]/;

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** `sigma-hooks ...args` running on a pseudo-terminal; what it draws accumulates in `screen`. */
class PtySession {
  screen = '';
  private mark = 0;
  private readonly waiters = new Waiters();
  private readonly child;
  readonly exited: Promise<number | null>;

  constructor(args: string[], opts: { home: string; env?: Record<string, string | undefined> }) {
    const command = [process.execPath, BIN, ...args].map(quote).join(' ');
    this.child = spawn(SCRIPT, ['-qec', command, '/dev/null'], {
      cwd: REPO_ROOT,
      env: cliEnv({ home: opts.home, env: { TERM: 'xterm', ...opts.env } }), // cliEnv drops NO_COLOR & co.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.screen += chunk;
      this.waiters.notify();
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.screen += chunk;
    });
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => {
        this.waiters.notify();
        resolve(code);
      });
    });
  }

  /** Resolves when `pattern` shows up after the previous match; rejects with the screen otherwise. */
  waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const missing = () => `${String(pattern)} did not appear; screen:\n${JSON.stringify(this.screen)}`;
    return this.waiters.until(
      () => {
        const match = pattern.exec(this.screen.slice(this.mark));
        if (match) {
          this.mark += match.index + match[0].length;
          return true;
        }
        if (this.child.exitCode !== null) throw new Error(missing());
        return undefined;
      },
      timeoutMs,
      missing,
    ).then(() => undefined);
  }

  async answer(prompt: RegExp, ...keys: string[]): Promise<void> {
    await this.waitFor(prompt);
    for (const key of keys) this.child.stdin.write(key);
  }

  async finish(): Promise<number | null> {
    const code = await this.exited;
    this.child.stdin.end();
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

let temp: TempHome;
let sessions: PtySession[] = [];
beforeEach(async () => {
  temp = await makeTempHome();
});
afterEach(async () => {
  for (const session of sessions) session.kill();
  sessions = [];
  await temp.cleanup();
});

function pty(args: string[], env?: Record<string, string | undefined>): PtySession {
  const session = new PtySession(args, env === undefined ? { home: temp.path } : { home: temp.path, env });
  sessions.push(session);
  return session;
}

async function seed(id: string): Promise<void> {
  const result = await runCli(['create', '--id', id, '--name', `Hook ${id}`, '--url', 'https://e.example/h', '--events', '*'], { home: temp.path });
  expect(result.code, result.stderr).toBe(0);
}

describe.skipIf(!existsSync(SCRIPT))('on a terminal', () => {
  test('create asks for the missing fields and creates the webhook', async () => {
    const session = pty(['create', '--id', 'wh_tty', '--description', 'from a terminal']);
    await session.answer(/Name/, ...'Terminal hook', KEY.enter);
    await session.answer(/Receiver URL/, ...'https://erp.example.com/tty', KEY.enter);
    await session.answer(/Events/, KEY.down, KEY.down, KEY.down, KEY.space, KEY.enter);
    await session.answer(/Sign deliveries with a generated secret\?/, 'y', KEY.enter);
    expect(await session.finish(), session.screen).toBe(0);
    expect(session.screen).toMatch(/Created webhook .*wh_tty/);
    const secret = /whsec_[A-Za-z0-9_-]+/.exec(session.screen)?.[0];
    expect(secret).toBeDefined();

    const stored = await runCliJson<Record<string, unknown>>(['get', 'wh_tty', '--json', '--show-secret'], { home: temp.path });
    expect(stored.json).toMatchObject({
      id: 'wh_tty',
      name: 'Terminal hook',
      url: 'https://erp.example.com/tty',
      events: ['entity.transition'],
      description: 'from a terminal',
      secret,
      active: true,
    });
  });

  test.each([
    ['by default they are coloured', [], {}, true],
    ['NO_COLOR=1: no colour', [], { NO_COLOR: '1' }, false],
    ['--no-color: no colour', ['--no-color'], {}, false],
  ])('the prompts: %s', async (_label, flags, env, coloured) => {
    const session = pty(['create', '--url', 'https://e.example/h', ...flags], env);
    await session.answer(/Name/, ...'Plain', KEY.enter);
    await session.answer(/Events/, KEY.space, KEY.enter);
    await session.answer(/generated secret/, 'n', KEY.enter);
    expect(await session.finish(), session.screen).toBe(0);
    expect(session.screen).toMatch(/Created webhook/);
    if (coloured) expect(session.screen).toMatch(SGR);
    else expect(session.screen).not.toMatch(SGR);
  });

  test('the delete confirmation has no colour with --no-color', async () => {
    await seed('nocolour');
    const session = pty(['delete', 'nocolour', '--no-color']);
    await session.answer(/Delete webhook nocolour/, 'y', KEY.enter);
    expect(await session.finish()).toBe(0);
    expect(session.screen).not.toMatch(SGR);
  });

  test('Ctrl-C at a prompt cancels: exit 1, a plain message, nothing created or deleted', async () => {
    const create = pty(['create', '--id', 'never', '--url', 'https://e.example/h']);
    await create.answer(/Name/, '\u0003');
    expect(await create.finish()).toBe(1);
    expect(create.screen).toMatch(/cancelled at the prompt/);
    expect(create.screen).not.toMatch(/unexpected|--debug/);
    expect((await runCli(['get', 'never'], { home: temp.path })).code).toBe(1);

    await seed('stays');
    const del = pty(['delete', 'stays']);
    await del.answer(/Delete webhook stays/, '\u0003');
    expect(await del.finish()).toBe(1);
    expect(del.screen).toMatch(/cancelled at the prompt/);
    expect((await runCli(['get', 'stays'], { home: temp.path })).code).toBe(0);
  });

  test('create --json does not prompt: it names the missing flags', async () => {
    const session = pty(['create', '--json', '--name', 'n']);
    expect(await session.finish()).toBe(2);
    expect(session.screen).toMatch(/missing required flags --url, --events/);
    expect(session.screen).not.toMatch(/Receiver URL/);
  });

  test('delete asks to confirm; "n" keeps the webhook, "y" deletes it', async () => {
    await seed('victim');
    const no = pty(['delete', 'victim']);
    await no.answer(/Delete webhook victim \(Hook victim, https:\/\/e\.example\/h\)\?/, 'n', KEY.enter);
    expect(await no.finish()).toBe(1);
    expect(no.screen).toMatch(/cancelled/);
    expect((await runCli(['get', 'victim'], { home: temp.path })).code).toBe(0);

    const yes = pty(['delete', 'victim']);
    await yes.answer(/Delete webhook victim/, 'y', KEY.enter);
    expect(await yes.finish()).toBe(0);
    expect(yes.screen).toMatch(/Deleted webhook .*victim/);
    expect((await runCli(['get', 'victim'], { home: temp.path })).code).toBe(1);
  });

  test('delete --yes does not ask', async () => {
    await seed('quick');
    const session = pty(['delete', 'quick', '--yes']);
    expect(await session.finish()).toBe(0);
    expect(session.screen).not.toMatch(/\?/);
    expect((await runCli(['get', 'quick'], { home: temp.path })).code).toBe(1);
  });

  test('list draws a bordered, coloured table', async () => {
    await seed('colourful');
    const session = pty(['list']);
    expect(await session.finish()).toBe(0);
    expect(session.screen).toMatch(BOX_DRAWING);
    expect(session.screen).toMatch(ANSI);
    expect(session.screen).toContain('colourful');
  });

  test.each([
    ['NO_COLOR=1', [], { NO_COLOR: '1' }],
    ['--no-color', ['--no-color'], {}],
  ])('%s: no ANSI escapes, on a terminal', async (_label, flags, env) => {
    await seed('plain');
    for (const args of [['list'], ['get', 'plain'], ['events'], ['create', '--name', 'x', '--url', 'https://e.example/h', '--events', '*']]) {
      const session = pty([...args, ...flags], env);
      expect(await session.finish(), session.screen).toBe(0);
      expect(session.screen, args.join(' ')).not.toMatch(ANSI);
    }
    const failed = pty(['get', 'missing', ...flags], env);
    expect(await failed.finish()).toBe(1);
    expect(failed.screen).toContain('Error:');
    expect(failed.screen).not.toMatch(ANSI);
  });

  test('--json: one JSON document without colour, on a terminal', async () => {
    await seed('json');
    const session = pty(['list', '--json']);
    expect(await session.finish()).toBe(0);
    expect(session.screen).not.toMatch(ANSI);
    const parsed = JSON.parse(session.screen.replaceAll('\r\n', '\n')) as Array<{ id: string }>;
    expect(parsed.map((w) => w.id)).toEqual(['json']);
  });
});
