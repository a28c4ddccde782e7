// Baseline (child process): the same number of signed POSTs sent by a bare got loop with the
// daemon's got options and concurrency — the ceiling of the HTTP client on this machine.
import { createHmac, randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import got from 'got';

const [urlsJson, totalText, concurrencyText] = process.argv.slice(2);
const urls = JSON.parse(urlsJson);
const total = Number(totalText);
const concurrency = Number(concurrencyText);
const secret = 'whsec_benchbenchbenchbench';
const client = got.extend({
  method: 'POST',
  retry: { limit: 0 },
  followRedirect: false,
  throwHttpErrors: false,
  responseType: 'buffer',
  agent: { http: new Agent({ keepAlive: true, maxSockets: 256 }) },
});

let next = 0;
const started = performance.now();
async function worker() {
  while (next < total) {
    const i = next++;
    const deliveryId = `dlv_${randomBytes(10).toString('hex')}`;
    const body = JSON.stringify({
      deliveryId,
      eventId: 'evt_bench',
      event: 'entity.updated',
      webhookId: 'wh-bench',
      tenant: 'default',
      timestamp: new Date().toISOString(),
      data: { entityId: `ent_${i}`, entityType: 'product', changes: { name: { old: 'a', new: 'b' } } },
    });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    await client(urls[i % urls.length], {
      body,
      // The same header set the daemon sends, so both sides do the same work per request.
      headers: {
        'content-type': 'application/json',
        'user-agent': 'sigma-hooks/bench',
        'x-sigma-event': 'entity.updated',
        'x-sigma-delivery': deliveryId,
        'x-sigma-webhook': 'wh-bench',
        'x-sigma-attempt': '1',
        'x-sigma-signature': signature,
      },
      timeout: { request: 10_000 },
    });
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ total, seconds, perSecond: total / seconds }));
