// Bench receiver (child process): answers 200 on several ports and reports when it has seen
// the expected number of requests. Runs in its own process so it does not steal the driver's CPU.
import { createServer } from 'node:http';

const ports = Number(process.argv[2] ?? 4);
// A slow receiver (delay in ms) keeps deliveries from competing with what is being measured.
const delayMs = Number(process.argv[3] ?? 0);
let count = 0;
let expected = Infinity;
const servers = [];

function onRequest(req, res) {
  req.on('data', () => {});
  req.on('end', () => {
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
    count++;
    if (count >= expected) {
      process.send?.({ type: 'done', count, at: Date.now() });
      expected = Infinity;
    }
  });
}

for (let i = 0; i < ports; i++) {
  const server = createServer({ keepAlive: true }, onRequest);
  servers.push(new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port))));
}

process.on('message', (message) => {
  if (message.type === 'expect') {
    count = 0;
    expected = message.count;
    process.send?.({ type: 'expecting' });
  }
  if (message.type === 'exit') process.exit(0);
});

process.send?.({ type: 'ready', ports: await Promise.all(servers) });
