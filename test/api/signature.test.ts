/**
 * A real delivery's X-Sigma-Signature checked by an independent implementation
 * (@octokit/webhooks-methods, GitHub's `sha256=` HMAC scheme) over the raw body a plain node:http
 * receiver got — and by `sigma-hooks verify` over the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import type { EmitAnswer } from '../../src/core/delivery.js';
import { makeTempHome, runCli, type TempHome } from '../helpers/cli.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { startReceiver, type Receiver, type RecordedRequest } from '../helpers/receiver.js';

const SECRET = 'whsec_octokit_cross_check_7f3a9c';

let home: TempHome;
let daemon: DaemonProcess;
let receiver: Receiver;
let deliveryId: string;
let attempts: RecordedRequest[];

beforeAll(async () => {
  home = await makeTempHome('sigma-api-sig-');
  receiver = await startReceiver({ status: 503 }); // the first attempt fails, so a retry is signed too
  daemon = await startDaemonProcess({ home: home.path, timeout: null });
  const created = await daemon.api('POST', '/api/v1/webhooks', {
    id: 'wh-octokit', name: 'Octokit check', url: receiver.urlFor('/signed'), events: ['entity.updated'], secret: SECRET,
  });
  expect(created.status).toBe(201);
  const emitted = await daemon.api('POST', '/events', {
    event: 'entity.updated',
    // Non-ASCII, a line separator, HTML-ish text and an escaped quote: any re-serialization or
    // re-encoding on either side would break the signature.
    data: { entityId: 'ent_ü', entityType: 'product', changes: { title: { old: 'Grüße 😀', new: '<b>"Neu"</b>\u2028ß' } }, price: 19.9 },
  });
  expect(emitted.status).toBe(202);
  deliveryId = (emitted.json as EmitAnswer).deliveries[0]!.deliveryId;
  await receiver.waitFor((all) => all.length >= 1, 10_000, '1 request');
  receiver.setDefault({ status: 200 });
  await receiver.waitForDelivery(deliveryId, 2);
  attempts = receiver.forDelivery(deliveryId);
});

afterAll(async () => {
  await daemon?.terminate();
  await receiver?.close();
  await home?.cleanup();
});

describe('X-Sigma-Signature of a real delivery', () => {
  it('verifies with @octokit/webhooks-methods over the raw body, on every attempt', async () => {
    expect(attempts.map((a) => a.headers['x-sigma-attempt'])).toEqual(['1', '2']);
    for (const attempt of attempts) {
      const signature = attempt.headers['x-sigma-signature'];
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(await octokitVerify(SECRET, attempt.body.toString('utf8'), signature as string)).toBe(true);
    }
    // Same bytes, same signature on the retry.
    expect(attempts[1]!.body.equals(attempts[0]!.body)).toBe(true);
    expect(attempts[1]!.headers['x-sigma-signature']).toBe(attempts[0]!.headers['x-sigma-signature']);
    const body = JSON.parse(attempts[0]!.body.toString('utf8')) as { deliveryId: string; data: { changes: { title: { old: string } } } };
    expect(body.deliveryId).toBe(deliveryId);
    expect(body.data.changes.title.old).toBe('Grüße 😀');
  });

  it('the independent check fails for a re-serialized body, a changed byte, or another secret', async () => {
    const raw = attempts[0]!.body.toString('utf8');
    const signature = attempts[0]!.headers['x-sigma-signature'] as string;
    const reserialized = JSON.stringify(JSON.parse(raw), null, 1);
    expect(reserialized).not.toBe(raw);
    expect(await octokitVerify(SECRET, reserialized, signature)).toBe(false);
    expect(await octokitVerify(SECRET, raw.replace('ent_ü', 'ent_u'), signature)).toBe(false);
    expect(await octokitVerify('whsec_someone_else_entirely', raw, signature)).toBe(false);
  });

  it('sigma-hooks verify agrees over the same bytes', async () => {
    const file = join(home.path, 'received.json');
    await writeFile(file, attempts[0]!.body);
    const signature = attempts[0]!.headers['x-sigma-signature'] as string;
    const ok = await runCli(['verify', '--secret', SECRET, '--signature', signature, '--body', `@${file}`, '--tolerance', '10m'], { home: home.path });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('valid\n');
    const bad = await runCli(['verify', '--secret', 'whsec_someone_else_entirely', '--signature', signature, '--body', `@${file}`], { home: home.path });
    expect(bad.code).toBe(1);
  });
});
