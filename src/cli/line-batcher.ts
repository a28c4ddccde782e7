/**
 * Collects lines and writes them in one call per event-loop turn. The daemon logs a line per
 * attempt; at thousands of attempts a second, one write per line was a measurable share of its CPU.
 */
export interface LineBatcher {
  line(text: string): void;
  flush(): void;
}

export function batchLines(write: (text: string) => void): LineBatcher {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('\n');
    pending = [];
    write(text);
  };
  return {
    line(text) {
      pending.push(text);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
