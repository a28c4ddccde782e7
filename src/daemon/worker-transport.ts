import { Worker } from 'node:worker_threads';
import type { AttemptRequest, AttemptResult, Transport } from './transport.js';

export interface WorkerTransport {
  transport: Transport;
  close(): Promise<void>;
}

/**
 * A Transport that hands each attempt to a worker thread running the got transport (see
 * transport-worker.ts). The worker starts with the first attempt; if it dies, the attempts it
 * held fail (and are retried on schedule) and the next attempt starts a new one.
 */
export function createWorkerTransport(): WorkerTransport {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (result: AttemptResult) => void; worker: Worker }>();

  /** Ends the attempts `owner` held; a replacement worker's attempts are not its to fail. */
  const failAll = (owner: Worker, reason: string): void => {
    for (const [id, entry] of pending) {
      if (entry.worker !== owner) continue;
      pending.delete(id);
      entry.resolve({ error: reason });
    }
  };

  const ensureWorker = (): Worker => {
    if (worker) return worker;
    const started = new Worker(new URL('./transport-worker.js', import.meta.url));
    started.on('message', (message: { id: number; result: AttemptResult }) => {
      const entry = pending.get(message.id);
      pending.delete(message.id);
      entry?.resolve(message.result);
    });
    started.on('error', (error) => {
      if (worker === started) worker = undefined;
      failAll(started, `delivery worker failed: ${error.message}`);
    });
    started.on('exit', () => {
      if (worker === started) worker = undefined;
      failAll(started, 'delivery worker exited');
    });
    worker = started;
    return started;
  };

  return {
    transport: (request: AttemptRequest) =>
      new Promise<AttemptResult>((resolve) => {
        const id = nextId++;
        const target = ensureWorker();
        pending.set(id, { resolve, worker: target });
        target.postMessage({ id, request });
      }),
    close: async () => {
      const current = worker;
      worker = undefined;
      if (!current) return;
      failAll(current, 'daemon stopped');
      await current.terminate();
    },
  };
}
