import { createReadStream } from 'node:fs';
import { chmod, open, rename, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DEFAULT_RETENTION,
  JournalRecordError,
  applyRecord,
  applyRetention,
  emptyState,
  recordDeliveryId,
  snapshotRecord,
  snapshotRecords,
  type Delivery,
  type JournalRecord,
  type JournalState,
  type Retention,
} from '../core/delivery.js';
import { SigmaError } from '../core/errors.js';

export class JournalCorruptError extends SigmaError {
  override readonly code = 'journal_corrupt';
}

export interface JournalOptions {
  path: string;
  retention?: Retention;
  now?: () => number;
  /** Compact after at least this many appended lines (and at least twice the live size). */
  compactAfterLines?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The delivery journal: append-only JSON Lines, one record per state change, the source of
 * truth for pending work. Every record is applied to the in-memory state and queued in the
 * same step, so memory and file never disagree. Appends are group-committed: everything queued
 * while one write+fsync runs goes out in the next single write+fsync, which is what lets many
 * concurrent emissions be acknowledged durably at the cost of one fsync.
 */
export class Journal {
  readonly state: JournalState;
  private handle: FileHandle;
  private buffer: string[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private compactRequested = false;
  private linesSinceCompaction: number;
  private liveLines: number;
  private readonly retention: Retention;
  private readonly now: () => number;
  private readonly compactAfterLines: number;
  private closed = false;
  /** While a rewrite walks the state: ids of deliveries changed meanwhile (see `rewrite`). */
  private touched: Set<string> | undefined;

  private constructor(
    readonly path: string,
    state: JournalState,
    handle: FileHandle,
    fileLines: number,
    options: JournalOptions,
  ) {
    this.state = state;
    this.handle = handle;
    this.linesSinceCompaction = fileLines;
    this.liveLines = 0;
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.now = options.now ?? Date.now;
    this.compactAfterLines = options.compactAfterLines ?? 50_000;
  }

  /** Loads and replays the journal (a torn last line is dropped), compacting it when mostly history. */
  static async open(options: JournalOptions): Promise<Journal> {
    const state = emptyState();
    const { lines, validBytes, torn } = await replay(options.path, state);
    if (torn) await truncate(options.path, validBytes);
    const handle = await open(options.path, 'a', 0o600);
    await chmod(options.path, 0o600);
    // A journal file created just now must survive a power cut too: persist its directory entry.
    await syncDirectory(dirname(options.path));
    const journal = new Journal(options.path, state, handle, lines, options);
    journal.liveLines = state.events.size + state.deliveries.size + state.idempotency.size;
    // Rewrite at start only when the file is mostly history; replaying a lean file is the fast path.
    if (lines > 2 * journal.liveLines + 1000) await journal.compact();
    return journal;
  }

  /** Applies records to the state and appends them; resolves once they are fsynced. */
  append(records: readonly JournalRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    this.enqueue(records);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.startFlush();
    return done;
  }

  /**
   * Like append, for records whose loss in a crash is harmless (the attempt is simply made
   * again): written in the same group commit, but nobody waits for them.
   */
  appendLater(records: readonly JournalRecord[]): void {
    if (this.closed) return;
    this.enqueue(records);
    this.startFlush();
  }

  private enqueue(records: readonly JournalRecord[]): void {
    for (const record of records) {
      applyRecord(this.state, record);
      this.buffer.push(`${JSON.stringify(record)}\n`);
      if (this.touched) {
        const id = recordDeliveryId(record);
        if (id !== undefined) this.touched.add(id);
      }
    }
  }

  delivery(id: string): Delivery | undefined {
    return this.state.deliveries.get(id);
  }

  /** Drops finished deliveries beyond the retention and rewrites the file from the state. */
  compact(): Promise<void> {
    this.compactRequested = true;
    return this.append([]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushing;
    this.closed = true;
    await this.handle.close();
  }

  private pendingWork(): boolean {
    return this.buffer.length > 0 || this.waiters.length > 0 || this.compactRequested;
  }

  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.flushLoop())
      .finally(() => {
        this.flushing = undefined;
        if (this.pendingWork()) this.startFlush();
      });
  }

  private async flushLoop(): Promise<void> {
    while (this.pendingWork()) {
      const lines = this.buffer;
      const waiters = this.waiters;
      this.buffer = [];
      this.waiters = [];
      try {
        if (this.compactRequested) {
          // The snapshot is taken from the state, which already holds every queued record.
          this.compactRequested = false;
          await this.rewrite();
        } else if (lines.length > 0) {
          await this.handle.write(lines.join(''));
          await this.handle.datasync();
          this.linesSinceCompaction += lines.length;
          if (this.linesSinceCompaction >= Math.max(this.compactAfterLines, 2 * this.liveLines)) {
            this.compactRequested = true;
          }
        }
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
  }

  private async rewrite(): Promise<void> {
    applyRetention(this.state, this.retention, this.now());
    const temp = `${this.path}.compact.tmp`;
    const out = await open(temp, 'w', 0o600);
    let count = 0;
    // Records appended while the walk below awaits its writes are applied to the state at once
    // and also queued in `buffer`; a delivery they change may already be in the snapshot with
    // them, so replaying them after it would apply them twice (e.g. an attempt listed twice).
    // Instead, the deliveries they changed are snapshotted again at the end of the walk, and
    // the records the snapshot covers are dropped from the queue once the file is in place.
    this.touched = new Set();
    let covered = 0;
    try {
      let chunk: string[] = [];
      let size = 0;
      for (const record of snapshotRecords(this.state)) {
        const line = `${JSON.stringify(record)}\n`;
        chunk.push(line);
        size += line.length;
        count++;
        if (size > 1 << 20) {
          await out.write(chunk.join(''));
          chunk = [];
          size = 0;
        }
      }
      // Synchronously after the walk: the state holds every record queued so far.
      for (const id of this.touched) {
        const delivery = this.state.deliveries.get(id);
        if (!delivery) continue;
        chunk.push(`${JSON.stringify(snapshotRecord(delivery))}\n`);
        count++;
      }
      covered = this.buffer.length;
      this.touched = undefined;
      await out.write(chunk.join(''));
      await out.sync();
    } finally {
      this.touched = undefined;
      await out.close();
    }
    await rename(temp, this.path);
    // Only new records are queued after `buffer` was taken over by the snapshot.
    this.buffer.splice(0, covered);
    await syncDirectory(dirname(this.path));
    await this.handle.close();
    this.handle = await open(this.path, 'a', 0o600);
    this.liveLines = count;
    this.linesSinceCompaction = 0;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replays the file into `state`. Only a last line without its newline may be unreadable. */
async function replay(path: string, state: JournalState): Promise<{ lines: number; validBytes: number; torn: boolean }> {
  let lineNumber = 0;
  let validBytes = 0;
  let rest = '';
  const applyLine = (line: string): void => {
    lineNumber++;
    if (line.trim() === '') return;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch (error) {
      throw corrupt(path, lineNumber, (error as Error).message);
    }
    try {
      applyRecord(state, record);
    } catch (error) {
      if (error instanceof JournalRecordError || error instanceof TypeError) throw corrupt(path, lineNumber, error.message);
      throw error;
    }
  };
  try {
    const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = rest + chunk;
      let start = 0;
      let newline = text.indexOf('\n', start);
      while (newline !== -1) {
        const line = text.slice(start, newline);
        applyLine(line);
        validBytes += Buffer.byteLength(line) + 1;
        start = newline + 1;
        newline = text.indexOf('\n', start);
      }
      rest = text.slice(start);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: 0, validBytes: 0, torn: false };
    throw error;
  }
  if (rest === '') return { lines: lineNumber, validBytes, torn: false };
  // A crash mid-append leaves a last line without its newline: drop it, the append was never acknowledged.
  return { lines: lineNumber, validBytes, torn: true };
}

function corrupt(path: string, line: number, detail: string): JournalCorruptError {
  return new JournalCorruptError(`${path}:${line} is not a valid journal record: ${detail}`, {
    hint: `The journal was left untouched. Move it aside (mv ${path} ${path}.bad) to start with an empty one; the deliveries it holds would then not resume.`,
  });
}
