/**
 * Worker-thread entry: runs the got transport off the daemon's main thread. The HTTP client is
 * most of the daemon's CPU per delivery; here it gets a core of its own while the main thread
 * keeps accepting emissions, journaling and scheduling.
 */
import { parentPort } from 'node:worker_threads';
import { createGotTransport, type AttemptRequest } from './transport.js';

const transport = createGotTransport();

parentPort?.on('message', (message: { id: number; request: AttemptRequest }) => {
  void transport(message.request).then((result) => parentPort?.postMessage({ id: message.id, result }));
});
