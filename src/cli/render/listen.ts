import type { Received } from '../../listen/receiver.js';
import type { Style } from './style.js';

/** One line per received request: time, event, deliveryId, attempt, signature, answer. */
export function renderReceived(r: Received, style: Style): string {
  const time = r.receivedAt.slice(11, 23);
  const sig = r.signature === 'valid'
    ? style.color.green('sig ✓')
    : r.signature === 'invalid'
      ? style.color.red('sig ✗')
      : r.signature === 'missing'
        ? style.color.red('sig ✗ (missing)')
        : style.color.dim('sig –');
  const answer = r.status < 300 ? style.color.green(`→ ${r.status}`) : style.color.red(`→ ${r.status}`);
  const dup = r.duplicateOf === null ? '' : style.color.yellow(` duplicate of #${r.duplicateOf}`);
  if (r.deliveryId === null) {
    return `${style.color.dim(time)} #${r.seq} ${r.method} ${r.path} (no X-Sigma-Delivery header) ${answer}`;
  }
  return `${style.color.dim(time)} #${r.seq} ${style.color.bold(r.event ?? '?')} ${r.deliveryId} attempt ${r.attempt ?? '?'} ${sig} ${answer}${dup}`;
}
