// npm run bench — measures the daemon against baselines taken in the same run (machines are
// noisy, so ratios are what to compare). Not a test: it prints figures and exits 0.
//
//   (a) end-to-end deliveries/s: N events fanned out to K webhooks, from the first emission
//       until the receiver has seen every delivery;
//   (b) the same number of signed POSTs sent by a bare got loop with the same concurrency —
//       the client's ceiling — and the ratio a/b;
//   (c) emissions accepted (durably, 202) per second during (a);
//   (d) the daemon's peak RSS;
//   (e) restart time and RSS over a journal of 100,000 pending deliveries, against an empty one.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebhookStore } from '../dist/store/webhook-store.js';
import { ensureHome, homePaths } from '../dist/store/home.js';
import { validateNewWebhook } from '../dist/core/webhook.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 4);
const ENDPOINT_CONCURRENCY = 8;
const CONCURRENCY = WEBHOOKS * ENDPOINT_CONCURRENCY;
const PENDING = Number(process.env.BENCH_PENDING ?? 100_000);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'sigma-hooks.js');
const homes = [];

function tempHome() {
  const home = mkdtempSync(join(tmpdir(), 'sigma-bench-'));
  homes.push(home);
  return home;
}

function startReceiver(delayMs = 0) {
  const child = fork(join(root, 'bench', 'receiver.js'), [String(WEBHOOKS), String(delayMs)]);
  return new Promise((resolve) => {
    child.once('message', (message) => resolve({ child, ports: message.ports }));
  });
}

function expectRequests(receiver, count) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message.type === 'expecting') return;
      if (message.type === 'done') {
        receiver.child.off('message', onMessage);
        resolve(message.at);
      }
    };
    receiver.child.on('message', onMessage);
    receiver.child.send({ type: 'expect', count });
  });
}

function socketRequest(agent, socketPath, method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { agent, socketPath, method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function startDaemon(home, extraArgs = []) {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, '--home', home, 'daemon', ...extraArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  const agent = new Agent({ keepAlive: true });
  const socket = homePaths(home).socket;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await socketRequest(agent, socket, 'GET', '/health');
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('daemon did not answer /health within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { child, agent, socket, readyMs: performance.now() - started };
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { rssMiB: field('VmRSS'), peakMiB: field('VmHWM') };
}

async function stopDaemon(daemon) {
  daemon.agent.destroy();
  const exited = new Promise((resolve) => daemon.child.once('exit', resolve));
  daemon.child.kill('SIGTERM');
  await exited;
}

async function createWebhooks(home, ports) {
  await ensureHome(home);
  const store = new WebhookStore(homePaths(home).webhooks);
  for (let i = 0; i < ports.length; i++) {
    await store.create(
      validateNewWebhook(
        { id: `wh-bench-${i}`, name: `bench ${i}`, url: `http://127.0.0.1:${ports[i]}/hook`, events: ['*'], secret: 'whsec_benchbenchbenchbench' },
        { tenant: 'default', now: new Date(), newId: () => 'unused' },
      ),
    );
  }
}

function baseline(receiver) {
  const urls = receiver.ports.map((port) => `http://127.0.0.1:${port}/hook`);
  const total = EVENTS * WEBHOOKS;
  const done = expectRequests(receiver, total);
  const child = spawn(process.execPath, [join(root, 'bench', 'got-loop.js'), JSON.stringify(urls), String(total), String(CONCURRENCY)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  return new Promise((resolve) => child.on('exit', async () => {
    await done;
    resolve(JSON.parse(out));
  }));
}

/** Emits `count` events over the socket with `concurrency` requests in flight; returns events/s. */
async function emitAll(daemon, count, concurrency) {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await socketRequest(daemon.agent, daemon.socket, 'POST', '/events', {
        event: 'entity.updated',
        data: { entityId: `ent_${i}`, entityType: 'product', changes: { name: { old: 'a', new: 'b' } } },
      });
      if (res.status !== 202) throw new Error(`emit answered ${res.status}: ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - started) / 1000);
}

/**
 * (c) The accept path alone: every event still fans out to K webhooks and is fsynced before
 * the 202, but the receiver answers slowly, so deliveries trickle instead of competing for CPU.
 */
async function acceptance() {
  const slow = await startReceiver(500);
  const home = tempHome();
  await createWebhooks(home, slow.ports);
  const daemon = await startDaemon(home);
  const perSecond = await emitAll(daemon, EVENTS, 64);
  await stopDaemon(daemon);
  slow.child.send({ type: 'exit' });
  return perSecond;
}

async function endToEnd(receiver) {
  const home = tempHome();
  await createWebhooks(home, receiver.ports);
  const daemon = await startDaemon(home, ['--concurrency', String(CONCURRENCY), '--endpoint-concurrency', String(ENDPOINT_CONCURRENCY)]);
  const total = EVENTS * WEBHOOKS;
  const allReceived = expectRequests(receiver, total);
  const started = Date.now();
  const acceptedPerSecond = await emitAll(daemon, EVENTS, 32);
  const doneAt = await allReceived;
  const mem = memory(daemon.child.pid);
  await stopDaemon(daemon);
  return {
    deliveries: total,
    seconds: (doneAt - started) / 1000,
    perSecond: total / ((doneAt - started) / 1000),
    acceptedPerSecond,
    peakRssMiB: mem.peakMiB,
  };
}

/** Writes a journal holding `count` pending deliveries (due in an hour) in the daemon's record format. */
function writePendingJournal(home, count) {
  const paths = homePaths(home);
  const now = Date.now();
  const lines = [];
  const perEvent = WEBHOOKS;
  const data = JSON.stringify({ entityId: 'ent_1', entityType: 'product', state: 'Draft', attributes: { sku: 'SKU-1', name: 'Trail Running Shoe' } });
  for (let e = 0; e < count / perEvent; e++) {
    const eventId = `evt_bench${e}`;
    const timestamp = new Date(now).toISOString();
    lines.push(JSON.stringify({ t: 'event', eventId, event: 'entity.created', tenant: 'default', timestamp, dataJson: data }));
    for (let w = 0; w < perEvent; w++) {
      lines.push(JSON.stringify({ t: 'delivery', id: `dlv_bench${e}_${w}`, eventId, webhookId: `wh-bench-${w}`, createdAt: timestamp, due: now + 3_600_000 }));
    }
  }
  writeFileSync(paths.journal, `${lines.join('\n')}\n`, { mode: 0o600 });
}

async function restart(receiver) {
  const empty = tempHome();
  await createWebhooks(empty, receiver.ports);
  const baseDaemon = await startDaemon(empty);
  const baseMem = memory(baseDaemon.child.pid);
  await stopDaemon(baseDaemon);

  const full = tempHome();
  await createWebhooks(full, receiver.ports);
  writePendingJournal(full, PENDING);
  const daemon = await startDaemon(full);
  const health = JSON.parse((await socketRequest(daemon.agent, daemon.socket, 'GET', '/health')).body);
  const mem = memory(daemon.child.pid);
  await stopDaemon(daemon);
  return { emptyStartMs: baseDaemon.readyMs, emptyRssMiB: baseMem.rssMiB, pendingStartMs: daemon.readyMs, pendingRssMiB: mem.rssMiB, pendingPeakMiB: mem.peakMiB, pending: health.queue.pending };
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

try {
  const receiver = await startReceiver();
  console.log(`sigma-hooks bench: ${EVENTS} events × ${WEBHOOKS} webhooks = ${EVENTS * WEBHOOKS} deliveries, concurrency ${CONCURRENCY} (${ENDPOINT_CONCURRENCY} per endpoint), ${PENDING} pending for restart`);
  // Interleaved and best of two on each side, so a noisy moment does not favour either.
  const base1 = await baseline(receiver);
  const e2e1 = await endToEnd(receiver);
  const base2 = await baseline(receiver);
  const e2e2 = await endToEnd(receiver);
  const e2e = e2e1.perSecond >= e2e2.perSecond ? e2e1 : e2e2;
  const ceiling = Math.max(base1.perSecond, base2.perSecond);
  const accepted = await acceptance();
  const rs = await restart(receiver);
  receiver.child.send({ type: 'exit' });

  const rows = [
    ['(a) end-to-end deliveries/s', fmt(e2e.perSecond), `${fmt(e2e.deliveries)} signed deliveries in ${fmt(e2e.seconds, 2)} s; best of two runs: ${fmt(e2e1.perSecond)}, ${fmt(e2e2.perSecond)}`],
    ['(b) bare got loop POSTs/s (ceiling)', fmt(ceiling), `best of two runs: ${fmt(base1.perSecond)}, ${fmt(base2.perSecond)}`],
    ['    ratio a/b', fmt(e2e.perSecond / ceiling, 2), 'target ≥ 0.80'],
    ['(c) emissions accepted/s', fmt(accepted), `each fanned out to ${WEBHOOKS} webhooks, fsynced before the 202; target ≥ 3,000`],
    ['    … while delivering flat out', fmt(e2e.acceptedPerSecond), 'the same, measured during (a)'],
    ['(d) daemon peak RSS during (a)', `${fmt(Math.max(e2e1.peakRssMiB, e2e2.peakRssMiB), 1)} MiB`, ''],
    ['(e) restart over pending journal', `${fmt(rs.pendingStartMs)} ms`, `${fmt(rs.pending)} pending; empty journal: ${fmt(rs.emptyStartMs)} ms (×${fmt(rs.pendingStartMs / rs.emptyStartMs, 1)}); target ≤ 3,000 ms`],
    ['    RSS with those pending', `${fmt(rs.pendingRssMiB, 1)} MiB`, `peak ${fmt(rs.pendingPeakMiB, 1)} MiB; empty daemon ${fmt(rs.emptyRssMiB, 1)} MiB; target ≤ 200 MiB`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  for (const [label, value, note] of rows) console.log(`${label.padEnd(width)}  ${value.padStart(valueWidth)}  ${note}`);
  console.log(JSON.stringify({ e2e: [e2e1, e2e2], baseline: [base1, base2], ratio: e2e.perSecond / ceiling, acceptedPerSecond: accepted, restart: rs }));
} finally {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}
