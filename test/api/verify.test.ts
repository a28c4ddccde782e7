/**
 * `sigma-hooks verify` (SPEC §6) as a spawned CLI: body from @file, `-` and text; signature with
 * or without `sha256=`; exit 0 `valid`, exit 1 with the reason, exit 2 for bad usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempHome, runCli, STACK_LINE, type TempHome } from '../helpers/cli.js';

const SECRET = 'whsec_verify_test_secret_000111';

const hex = (secret: string, body: string | Buffer) => createHmac('sha256', secret).update(body).digest('hex');

function deliveryBody(timestamp: Date): string {
  // As the daemon sends it: compact JSON, non-ASCII kept as UTF-8.
  return JSON.stringify({
    deliveryId: 'dlv_verify1', eventId: 'evt_verify1', event: 'entity.created', webhookId: 'wh-verify', tenant: 'default',
    timestamp: timestamp.toISOString(), data: { entityId: 'ent_42', name: 'Grüße 😀', price: 1.5 },
  });
}

let home: TempHome;
let fresh: string;
let freshFile: string;
let stale: string;
let staleFile: string;
let binaryFile: string;
let binary: Buffer;

const verify = (args: string[], input?: string) => runCli(['verify', ...args], { home: home.path, ...(input === undefined ? {} : { input }) });

function expectValid(result: { code: number | null; stdout: string; stderr: string }): void {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe('valid\n');
}

function expectInvalid(result: { code: number | null; stdout: string; stderr: string }, reason: RegExp): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stdout).not.toContain('valid');
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).not.toMatch(STACK_LINE);
}

beforeAll(async () => {
  home = await makeTempHome('sigma-api-verify-');
  fresh = deliveryBody(new Date());
  freshFile = join(home.path, 'fresh.json');
  await writeFile(freshFile, fresh);
  stale = deliveryBody(new Date(Date.now() - 60 * 60 * 1000));
  staleFile = join(home.path, 'stale.json');
  await writeFile(staleFile, stale);
  // Bytes that are not valid UTF-8 and a CRLF: the signature covers raw bytes, not decoded text.
  binary = Buffer.concat([Buffer.from('{"data":"'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('"}\r\n')]);
  binaryFile = join(home.path, 'binary.bin');
  await writeFile(binaryFile, binary);
});

afterAll(async () => {
  await home?.cleanup();
});

describe('valid signatures exit 0 and print "valid"', () => {
  it('sha256= prefix, body from @file', async () => {
    expectValid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, fresh)}`, '--body', `@${freshFile}`]));
  });

  it('bare hex, body from @file', async () => {
    expectValid(await verify(['--secret', SECRET, '--signature', hex(SECRET, fresh), '--body', `@${freshFile}`]));
  });

  it('body from stdin (-)', async () => {
    expectValid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, fresh)}`, '--body', '-'], fresh));
  });

  it('body as text', async () => {
    expectValid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, fresh)}`, '--body', fresh]));
  });

  it('over the exact raw bytes of a file that is not valid UTF-8', async () => {
    expectValid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, binary)}`, '--body', `@${binaryFile}`]));
    // Decoding as UTF-8 and re-encoding would change the bytes, and so the signature.
    const decoded = Buffer.from(binary.toString('utf8'), 'utf8');
    expect(decoded.equals(binary)).toBe(false);
    expectInvalid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, decoded)}`, '--body', `@${binaryFile}`]), /mismatch/);
  });

  it('--json prints {valid: true}', async () => {
    const result = await verify(['--json', '--secret', SECRET, '--signature', hex(SECRET, fresh), '--body', `@${freshFile}`]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ valid: true });
  });
});

describe('invalid signatures exit 1 with the reason', () => {
  it('a tampered body', async () => {
    const tampered = fresh.replace('ent_42', 'ent_43');
    expectInvalid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, fresh)}`, '--body', tampered]), /signature mismatch/);
    // Re-serialized JSON (same data, other bytes) is also a mismatch.
    const reserialized = JSON.stringify(JSON.parse(fresh), null, 2);
    expectInvalid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, fresh)}`, '--body', reserialized]), /signature mismatch/);
  });

  it('the wrong secret', async () => {
    expectInvalid(await verify(['--secret', 'whsec_not_the_right_one_000', '--signature', `sha256=${hex(SECRET, fresh)}`, '--body', `@${freshFile}`]), /signature mismatch/);
  });

  it('a malformed signature', async () => {
    const good = hex(SECRET, fresh);
    for (const signature of ['sha256=xyz', 'nothex', good.slice(0, 63), `${good}00`, `sha1=${good}`, `sha256=${good.slice(0, 60)}zzzz`]) {
      expectInvalid(await verify(['--secret', SECRET, '--signature', signature, '--body', `@${freshFile}`]), /malformed signature/);
    }
  });

  it('--json prints {valid: false, reason} and still exits 1', async () => {
    const result = await verify(['--json', '--secret', SECRET, '--signature', 'sha256=00', '--body', `@${freshFile}`]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ valid: false, reason: expect.stringMatching(/malformed/) });
  });
});

describe('--tolerance', () => {
  it('refuses a correctly signed body whose timestamp is older than the tolerance, naming the staleness', async () => {
    const signature = `sha256=${hex(SECRET, stale)}`;
    expectValid(await verify(['--secret', SECRET, '--signature', signature, '--body', `@${staleFile}`]));
    expectInvalid(await verify(['--secret', SECRET, '--signature', signature, '--body', `@${staleFile}`, '--tolerance', '5m']), /stale timestamp/);
    expectValid(await verify(['--secret', SECRET, '--signature', signature, '--body', `@${staleFile}`, '--tolerance', '2h']));
  });

  it('accepts a fresh timestamp', async () => {
    expectValid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, fresh)}`, '--body', `@${freshFile}`, '--tolerance', '5m']));
  });

  it('a bad signature is reported as such even when the timestamp is stale too', async () => {
    expectInvalid(await verify(['--secret', SECRET, '--signature', `sha256=${hex(SECRET, fresh)}`, '--body', `@${staleFile}`, '--tolerance', '5m']), /signature mismatch/);
  });
});

describe('bad usage exits 2', () => {
  it('a missing required flag', async () => {
    const good = hex(SECRET, fresh);
    for (const args of [
      ['--signature', good, '--body', fresh],
      ['--secret', SECRET, '--body', fresh],
      ['--secret', SECRET, '--signature', good],
    ]) {
      const result = await verify(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/--(secret|signature|body)/);
      expect(result.stdout).toBe('');
    }
  });

  it('an unreadable @file', async () => {
    const result = await verify(['--secret', SECRET, '--signature', hex(SECRET, fresh), '--body', `@${join(home.path, 'does-not-exist.json')}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--body');
    expect(result.stderr).toContain('does-not-exist.json');
    expect(result.stderr).not.toMatch(STACK_LINE);
    const dir = await verify(['--secret', SECRET, '--signature', hex(SECRET, fresh), '--body', `@${home.path}`]);
    expect(dir.code).toBe(2);
  });

  it('a bad --tolerance', async () => {
    const result = await verify(['--secret', SECRET, '--signature', hex(SECRET, fresh), '--body', fresh, '--tolerance', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--tolerance');
  });
});
