/**
 * The worker-thread transport the daemon command uses. It loads its worker from dist/ (the
 * built code), so this test imports the built module, as the CLI does.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

type WorkerTransportModule = typeof import('../../src/daemon/worker-transport.js');
const built = join(REPO_ROOT, 'dist', 'daemon', 'worker-transport.js');
const { createWorkerTransport } = (await import(built)) as WorkerTransportModule;

const receivers: Receiver[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

describe('worker transport', () => {
  test('sends the exact request from a worker thread and reports status and body', async () => {
    const receiver = await startReceiver({ status: 201, body: 'created' });
    receivers.push(receiver);
    const delivery = createWorkerTransport();
    try {
      const result = await delivery.transport({
        url: receiver.urlFor('/hook'),
        headers: { 'content-type': 'application/json', 'x-sigma-delivery': 'dlv_1' },
        body: '{"a":"ü"}',
        timeoutMs: 5_000,
      });
      expect(result).toEqual({ statusCode: 201, responseBody: 'created' });
      expect(receiver.requests[0]?.body.toString('utf8')).toBe('{"a":"ü"}');
      expect(receiver.requests[0]?.headers['x-sigma-delivery']).toBe('dlv_1');
    } finally {
      await delivery.close();
    }
  });

  test('a refused connection is a failed attempt, and close() ends what is in flight', async () => {
    const receiver = await startReceiver({ hang: true });
    receivers.push(receiver);
    const port = receiver.port;
    const delivery = createWorkerTransport();
    const hanging = delivery.transport({ url: receiver.urlFor('/hang'), headers: {}, body: '{}', timeoutMs: 60_000 });
    await receiver.waitFor((requests) => requests.length === 1, 5_000);
    await delivery.close();
    expect(await hanging).toEqual({ error: 'daemon stopped' });
    await receiver.close();
    receivers.length = 0;
    // After close, the next attempt starts a fresh worker.
    const refused = await delivery.transport({ url: `http://127.0.0.1:${port}/gone`, headers: {}, body: '{}', timeoutMs: 5_000 });
    expect(refused).toEqual({ error: 'connection refused (ECONNREFUSED)' });
    await delivery.close();
  });
});
