/**
 * `sigma-hooks listen` end to end with a real daemon (SPEC §6): one line per delivery with the
 * signature check over the raw bytes, `--fail-first`, `--status`, `--delay`, `--json`, and a clean
 * exit on Ctrl-C.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmitAnswer } from '../../src/core/delivery.js';
import type { DeliveryView } from '../../src/core/views.js';
import { makeTempHome, runCli, runCliJson, type TempHome } from '../helpers/cli.js';
import { pollUntil, spawnCliProcess, startDaemonProcess, waitForDelivery, type CliProcess, type DaemonProcess } from '../helpers/daemon.js';

const SECRET = 'whsec_listen_test_secret_12345';
const URL_LINE = /Listening on (http:\/\/127\.0\.0\.1:(\d+)\/)/;

let home: TempHome;
let daemon: DaemonProcess;
const listeners: CliProcess[] = [];
let hookCounter = 0;

async function startListen(args: string[]): Promise<{ listen: CliProcess; url: string }> {
  const listen = spawnCliProcess(['--no-color', 'listen', '--port', '0', ...args], home.path);
  listeners.push(listen);
  const url = URL_LINE.exec(await listen.waitForLine(URL_LINE, 10_000, 'stderr'))![1]!;
  // The banner ends with the line that shows how to point a webhook at that URL.
  await listen.waitForLine((line) => line.includes(`--url ${url}`), 10_000, 'stderr');
  return { listen, url };
}

/** A fresh webhook (made with the CLI) pointing at `url`; each test subscribes to an event no other test uses. */
async function hookTo(url: string, secret: string | undefined, event: string): Promise<string> {
  const id = `listen-hook-${++hookCounter}`;
  const args = ['create', '--id', id, '--name', id, '--url', url, '--events', event, ...(secret ? ['--secret', secret] : [])];
  const created = await runCli(args, { home: home.path });
  expect(created.code, created.stderr).toBe(0);
  return id;
}

async function emitCli(event: string): Promise<EmitAnswer> {
  const result = await runCliJson<EmitAnswer>(['emit', event, '--json'], { home: home.path });
  expect(result.code, result.stderr).toBe(0);
  expect(result.json.deliveries).toHaveLength(1);
  return result.json;
}

/** The delivery (the detail view, with its attempts) once it has succeeded or failed. */
function finalDelivery(deliveryId: string): Promise<DeliveryView> {
  return waitForDelivery(daemon.socket, deliveryId, (d) => ['succeeded', 'failed'].includes(d.status));
}

beforeAll(async () => {
  home = await makeTempHome('sigma-api-listen-');
  daemon = await startDaemonProcess({ home: home.path, timeout: null });
});

afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.stop('SIGKILL')));
});

afterAll(async () => {
  await daemon?.terminate();
  await home?.cleanup();
});

describe('sigma-hooks listen', () => {
  it('--fail-first 1: attempt 1 is answered 500, the retry shows ✓ and "duplicate of #1"; SIGINT exits 0', async () => {
    const { listen, url } = await startListen(['--secret', SECRET, '--fail-first', '1']);
    expect(listen.stderr()).toContain('sigma-hooks create');
    await hookTo(url, SECRET, 'entity.created');
    const answer = await emitCli('entity.created');
    const deliveryId = answer.deliveries[0]!.deliveryId;

    const lines = await pollUntil(() => {
      const mine = listen.stdout().split('\n').filter((l) => l.includes(deliveryId));
      return mine.length >= 2 ? mine : undefined;
    }, { what: 'two lines for the delivery' });
    expect(lines).toHaveLength(2);
    const [first, second] = lines as [string, string];
    expect(first).toMatch(/#1 entity\.created/);
    expect(first).toMatch(/attempt 1\b/);
    expect(first).toContain('sig ✓');
    expect(first).toContain('→ 500');
    expect(first).not.toContain('duplicate');
    expect(second).toMatch(/#2 entity\.created/);
    expect(second).toMatch(/attempt 2\b/);
    expect(second).toContain('sig ✓');
    expect(second).toContain('→ 200');
    expect(second).toContain('duplicate of #1');
    expect(first).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} /); // the time comes first

    const view = await finalDelivery(deliveryId);
    expect(view.status).toBe('succeeded');
    expect(view.attempts!.map((a) => a.statusCode)).toEqual([500, 200]);

    const exit = await listen.stop('SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(listen.stderr()).toMatch(/stopped; 2 requests received/);
  });

  it('--json prints one JSON document per line with signature "valid"; --status 204 is what the daemon records', async () => {
    const { listen, url } = await startListen(['--json', '--secret', SECRET, '--status', '204']);
    await hookTo(url, SECRET, 'variant.created');
    const answer = await emitCli('variant.created');
    const deliveryId = answer.deliveries[0]!.deliveryId;
    await pollUntil(() => listen.stdout().includes('\n'), { what: 'a JSON line' });
    const view = await finalDelivery(deliveryId);
    expect(view.status).toBe('succeeded');
    expect(view.attempts!.map((a) => a.statusCode)).toEqual([204]);

    const lines = listen.stdout().trim().split('\n');
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(doc).toMatchObject({
      seq: 1, method: 'POST', event: 'variant.created', deliveryId, attempt: 1, signature: 'valid', duplicateOf: null, status: 204,
    });
    const body = JSON.parse(doc.body as string) as Record<string, unknown>;
    expect(body).toMatchObject({ deliveryId, eventId: answer.eventId, event: 'variant.created' });
    expect(listen.stdout()).not.toMatch(/\u001b\[/);
    expect(await listen.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('shows ✗ when the secret differs, and "–" when listen has no secret', async () => {
    const wrong = await startListen(['--json', '--secret', 'whsec_some_other_secret_999']);
    await hookTo(wrong.url, SECRET, 'variant.deleted');
    const a = await emitCli('variant.deleted');
    await finalDelivery(a.deliveries[0]!.deliveryId);
    // listen prints its line after answering: the daemon may have recorded the answer before it is out.
    await wrong.listen.waitForLine(new RegExp(a.deliveries[0]!.deliveryId), 10_000, 'stdout');
    expect((JSON.parse(wrong.listen.stdout().trim().split('\n')[0]!) as { signature: string }).signature).toBe('invalid');

    const unsigned = await startListen(['--secret', SECRET]);
    await hookTo(unsigned.url, undefined, 'variant.updated');
    const b = await emitCli('variant.updated');
    await finalDelivery(b.deliveries[0]!.deliveryId);
    const line = await unsigned.listen.waitForLine(new RegExp(b.deliveries[0]!.deliveryId), 10_000, 'stdout');
    expect(line).toContain('sig ✗ (missing)');

    const none = await startListen([]);
    await hookTo(none.url, SECRET, 'entity.deleted');
    const c = await emitCli('entity.deleted');
    await finalDelivery(c.deliveries[0]!.deliveryId);
    const plain = await none.listen.waitForLine(new RegExp(c.deliveries[0]!.deliveryId), 10_000, 'stdout');
    expect(plain).toContain('sig –');
  });

  it('--delay holds each answer for that long', async () => {
    const { listen, url } = await startListen(['--delay', '400ms', '--secret', SECRET]);
    await hookTo(url, SECRET, 'entity.transition');
    const started = Date.now();
    const answer = await emitCli('entity.transition');
    const view = await finalDelivery(answer.deliveries[0]!.deliveryId);
    expect(view.status).toBe('succeeded');
    expect(view.attempts![0]!.durationMs).toBeGreaterThanOrEqual(390);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(await listen.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('--fail-first 4 fails every attempt: the delivery ends failed after 4 attempts, each line a duplicate of #1', async () => {
    const { listen, url } = await startListen(['--fail-first', '4', '--secret', SECRET]);
    await hookTo(url, SECRET, 'entity.updated');
    const answer = await emitCli('entity.updated');
    const deliveryId = answer.deliveries[0]!.deliveryId;
    const view = await finalDelivery(deliveryId);
    expect(view.status).toBe('failed');
    expect(view.attempts!.map((a) => a.statusCode)).toEqual([500, 500, 500, 500]);
    const lines = await pollUntil(() => {
      const mine = listen.stdout().split('\n').filter((l) => l.includes(deliveryId));
      return mine.length === 4 ? mine : undefined;
    }, { what: 'four lines' });
    expect(lines.slice(1).every((l) => l.includes('duplicate of #1') && l.includes('→ 500'))).toBe(true);
    expect(lines.map((l) => /attempt (\d)/.exec(l)?.[1])).toEqual(['1', '2', '3', '4']);
  });

  it('refuses bad flags with exit 2', async () => {
    for (const args of [['--port', '70000'], ['--port', 'abc'], ['--secret', 'short'], ['--status', '99'], ['--fail-first', '-1'], ['--delay', 'later']]) {
      const result = await runCli(['listen', ...args], { home: home.path, timeoutMs: 10_000 });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
    }
  });

  it('a port in use is exit 2 naming the port', async () => {
    const { url } = await startListen([]);
    const port = new URL(url).port;
    const result = await runCli(['listen', '--port', port], { home: home.path, timeoutMs: 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(port);
  });
});
