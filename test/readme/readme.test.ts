/**
 * README example: runs the README's command examples exactly as written (only the port and the
 * `sigma-hooks` / `npx sigma-hooks` launcher are substituted), so the documentation cannot drift.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { BIN, REPO_ROOT, cliEnv, makeTempHome, runCli, type TempHome } from '../helpers/cli.js';
import { pollUntil } from '../helpers/daemon.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');

/** The fenced blocks of one language between two headings (the second excluded). */
function blocksBetween(startHeading: string, endHeading: string, language: string): string[] {
  const start = readme.indexOf(`\n${startHeading}\n`);
  const end = readme.indexOf(`\n${endHeading}\n`, start);
  expect(start, `README has "${startHeading}"`).toBeGreaterThan(-1);
  expect(end, `README has "${endHeading}"`).toBeGreaterThan(start);
  return [...readme.slice(start, end).matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** The fenced block right after `<!-- example: NAME -->`. */
function example(name: string): string {
  const match = new RegExp(`<!-- example: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(readme);
  expect(match, `README has example "${name}"`).not.toBeNull();
  return match![1]!;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ShellRun {
  code: number | null;
  output: string;
}

/**
 * Runs a script with bash in its own process group, `sigma-hooks` on PATH as a shim for the
 * built CLI. Background jobs it starts (listen) are killed with the group afterwards.
 */
async function runScript(home: TempHome, script: string, env: Record<string, string> = {}): Promise<ShellRun> {
  const shimDir = join(home.path, 'bin');
  await mkdir(shimDir, { recursive: true });
  const shim = join(shimDir, 'sigma-hooks');
  await writeFile(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(shim, 0o755);
  const stateHome = join(home.path, 'state');
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: home.path,
    detached: true,
    env: { ...cliEnv({ home: stateHome }), PATH: `${shimDir}:${process.env.PATH ?? ''}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  groups.push(child.pid!);
  return { code, get output() { return output; } };
}

const groups: number[] = [];
const homes: TempHome[] = [];
const receivers: Receiver[] = [];

afterEach(async () => {
  for (const home of homes) {
    await runCli(['daemon', 'stop'], { home: join(home.path, 'state') }).catch(() => undefined);
  }
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the group already ended
    }
  }
  for (const receiver of receivers.splice(0)) await receiver.close();
  for (const home of homes.splice(0)) await home.cleanup();
});

async function tempHome(): Promise<TempHome> {
  const home = await makeTempHome('sigma-readme-');
  homes.push(home);
  return home;
}

describe('README example', () => {
  test('the Quick start commands are the npm scripts CI runs', async () => {
    const quick = blocksBetween('## Quick start', '## Try it in 60 seconds', 'sh').join('\n');
    expect(quick).toContain('npm install && npm start');
    expect(quick).toContain('npm install && npm test');
    const ci = await readFile(join(REPO_ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain('daemon');
  });

  test('every command example in "Commands" runs as written', async () => {
    const home = await tempHome();
    const receiver = await startReceiver();
    receivers.push(receiver);
    const blocks = blocksBetween('## Commands', '### listen', 'sh');
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const script = blocks.join('\n').replaceAll('127.0.0.1:4000', `127.0.0.1:${receiver.port}`);
    const run = await runScript(home, script);
    expect(run.output, run.output).not.toMatch(/Error:/);
    expect(run.code, run.output).toBe(0);
    // The examples did what their prose says.
    expect(run.output).toContain('Created webhook wh-erp-sync');
    expect(run.output).toMatch(/whsec_[A-Za-z0-9_-]{20,}/);
    expect(run.output).toContain('Deleted webhook wh-variants');
    expect(run.output).toMatch(/^valid$/m);
    expect(run.output).toContain('all 1 deliveries succeeded');
    // emit --json documents start with eventId (delivery objects start with deliveryId).
    const keyed = [...run.output.matchAll(/^\{\n {2}"eventId": "(evt_[a-z0-9]+)"/gm)].map((m) => m[1]);
    expect(keyed.length).toBeGreaterThanOrEqual(2);
    expect(keyed.at(-1)).toBe(keyed.at(-2)); // the same idempotency key twice: the same answer
    expect(run.output).toContain('Redelivering dlv_');
    expect(run.output).toMatch(/daemon stopped/);
    expect(receiver.requests.length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  test('"Try it in 60 seconds" shows a failed first attempt and a verified retry', async () => {
    const home = await tempHome();
    const port = await freePort();
    const script = example('try-it')
      .replaceAll('npx sigma-hooks', 'sigma-hooks')
      .replaceAll('--port 4000', `--port ${port}`)
      .replaceAll('127.0.0.1:4000', `127.0.0.1:${port}`);
    // Give `listen` (started in the background) a moment's head start only by waiting for its port.
    const guarded = script.replace(/(sigma-hooks listen[^\n]*&\n)/, `$1until (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; do sleep 0.05; done\n`);
    const run = await runScript(home, guarded);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('succeeded after 2 attempts');
    const lines = await pollUntil(() => {
      const found = run.output.split('\n').filter((line) => /#\d entity\.transition/.test(line));
      return found.length >= 2 ? found : undefined;
    }, { what: 'two listen lines' });
    expect(lines[0]).toMatch(/attempt 1 sig ✓ → 500/);
    expect(lines[1]).toMatch(/attempt 2 sig ✓ → 200 duplicate of #1/);
  }, 60_000);

  test('the "Receiving webhooks" snippet verifies real deliveries and deduplicates', async () => {
    const home = await tempHome();
    const port = await freePort();
    const secret = 'whsec_readme_receiver_0123456789';
    const receiverFile = join(home.path, 'receiver.mjs');
    await writeFile(receiverFile, example('receiver'));
    const script = [
      `node ${receiverFile} &`,
      `until (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; do sleep 0.05; done`,
      'sigma-hooks daemon start --retry-delays 100ms',
      `sigma-hooks create --id wh-snippet --name Snippet --url http://127.0.0.1:${port}/ --events '*' --secret ${secret}`,
      'sigma-hooks emit entity.created --set entityId=ent_7 --wait --json > emitted.json',
      `sigma-hooks deliveries redeliver "$(node -p 'JSON.parse(require("fs").readFileSync("emitted.json")).deliveries[0].deliveryId')"`,
      // A forged signature is refused with 401.
      `test "$(curl -s -o /dev/null -w '%{http_code}' -H 'x-sigma-signature: sha256=00' -d '{}' http://127.0.0.1:${port}/)" = 401`,
    ].join('\n');
    const run = await runScript(home, script, { SIGMA_WEBHOOK_SECRET: secret, PORT: String(port) });
    expect(run.code, run.output).toBe(0);
    const emitted = JSON.parse(await readFile(join(home.path, 'emitted.json'), 'utf8')) as { deliveries: Array<{ deliveryId: string; status: string }> };
    expect(emitted.deliveries[0]?.status).toBe('succeeded');
    const id = emitted.deliveries[0]!.deliveryId;
    // The snippet logged the event once, though the redelivery reached it a second time.
    await pollUntil(async () => {
      const show = await runCli(['deliveries', 'show', id, '--json'], { home: join(home.path, 'state') });
      const delivery = JSON.parse(show.stdout) as { status: string; attempts: Array<{ responseBody?: string }> };
      return delivery.status === 'succeeded' && delivery.attempts.length === 2 && delivery.attempts[1]?.responseBody === 'duplicate';
    }, { what: 'the redelivery to be acknowledged as a duplicate' });
    expect(run.output.split('\n').filter((line) => line.startsWith(`entity.created ${id}`))).toHaveLength(1);
  }, 60_000);
});
