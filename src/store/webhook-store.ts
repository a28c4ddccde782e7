import { statSync } from 'node:fs';
import { Low } from 'lowdb';
import { ConflictError, NotFoundError, OperationError, quote } from '../core/errors.js';
import type { Webhook } from '../core/webhook.js';
import { SecureJsonFile } from './secure-json-file.js';

export interface StoreData {
  version: 1;
  webhooks: Webhook[];
}

const emptyData = (): StoreData => ({ version: 1, webhooks: [] });

function checkStoreShape(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the top level must be an object';
  const webhooks = (value as { webhooks?: unknown }).webhooks;
  if (!Array.isArray(webhooks)) return '"webhooks" must be an array';
  for (const [index, item] of webhooks.entries()) {
    const w = item as Partial<Record<keyof Webhook, unknown>> | null;
    if (typeof w !== 'object' || w === null) return `webhooks[${index}] must be an object`;
    for (const key of ['id', 'tenant', 'name', 'url'] as const) {
      if (typeof w[key] !== 'string') return `webhooks[${index}].${key} must be a string`;
    }
    if (!Array.isArray(w.events)) return `webhooks[${index}].events must be an array`;
    if (typeof w.active !== 'boolean') return `webhooks[${index}].active must be a boolean`;
  }
  return undefined;
}

/**
 * The webhook definitions in `webhooks.json`, shared by the CLI and the daemon. Reads are
 * lock-free (writes replace the file atomically); every change is read-modify-write under a
 * cross-process lock so concurrent writers never lose an update.
 */
export class WebhookStore {
  private readonly file: SecureJsonFile<StoreData>;
  private cache: { key: string; webhooks: Webhook[] } | undefined;

  constructor(readonly path: string) {
    this.file = new SecureJsonFile<StoreData>(path, checkStoreShape);
  }

  /**
   * A fresh lowdb view of the file for each call: concurrent calls of a long-lived store (the
   * daemon) never share in-memory data, and a removed file reads as empty, not as what was last
   * seen (lowdb's `read()` keeps the old `data` when the file is missing).
   */
  private async load(): Promise<Low<StoreData>> {
    const db = new Low<StoreData>(this.file, emptyData());
    await db.read();
    return db;
  }

  async list(tenant: string): Promise<Webhook[]> {
    const all = await this.readAll();
    return all.filter((w) => w.tenant === tenant);
  }

  async get(tenant: string, id: string): Promise<Webhook> {
    const found = (await this.readAll()).find((w) => w.tenant === tenant && w.id === id);
    if (!found) throw notFound(id, tenant);
    return found;
  }

  /**
   * All webhooks, re-read only when the file changed (inode, size or mtime): the daemon calls
   * this for every emission and attempt, so CLI changes apply at once without re-parsing.
   */
  async readAll(): Promise<Webhook[]> {
    let key: string;
    try {
      const info = statSync(this.path); // one local syscall: cheaper than a thread-pool round trip
      key = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    if (this.cache?.key === key) return this.cache.webhooks;
    const { webhooks } = (await this.load()).data;
    this.cache = { key, webhooks };
    return webhooks;
  }

  async create(webhook: Webhook): Promise<Webhook> {
    return this.mutate((data) => {
      if (data.webhooks.some((w) => w.tenant === webhook.tenant && w.id === webhook.id)) {
        throw new ConflictError(`id: a webhook "${webhook.id}" already exists in tenant "${webhook.tenant}"`, {
          hint: 'Choose another --id, or leave it out to get a generated one.',
        });
      }
      data.webhooks.push(webhook);
      return webhook;
    });
  }

  /** Replaces a webhook with `change(current)`, validated by the caller inside the lock. */
  async update(tenant: string, id: string, change: (current: Webhook) => Webhook): Promise<Webhook> {
    return this.mutate((data) => {
      const index = data.webhooks.findIndex((w) => w.tenant === tenant && w.id === id);
      const current = data.webhooks[index];
      if (current === undefined) throw notFound(id, tenant);
      const next = change(current);
      data.webhooks[index] = next;
      return next;
    });
  }

  async delete(tenant: string, id: string): Promise<Webhook> {
    return this.mutate((data) => {
      const index = data.webhooks.findIndex((w) => w.tenant === tenant && w.id === id);
      const [removed] = index === -1 ? [] : data.webhooks.splice(index, 1);
      if (removed === undefined) throw notFound(id, tenant);
      return removed;
    });
  }

  private async mutate<R>(change: (data: StoreData) => R): Promise<R> {
    const release = await this.lock();
    try {
      const db = await this.load();
      const result = change(db.data);
      await db.write();
      this.cache = undefined;
      return result;
    } finally {
      await release();
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    // Loaded on first write only: reads (list, get, every emission) never pay for it.
    const { default: lockfile } = await import('proper-lockfile');
    try {
      return await lockfile.lock(this.path, {
        realpath: false,
        stale: 10_000,
        update: 2_000,
        retries: { retries: 400, factor: 1.3, minTimeout: 2, maxTimeout: 60, randomize: true },
        // A lost lock (e.g. the machine stalled past `stale`) must not crash the process from a
        // timer; the write in progress still replaces the file atomically.
        onCompromised: () => undefined,
      });
    } catch (error) {
      throw new OperationError(`could not lock ${this.path}: ${(error as Error).message}`, {
        hint: `Another sigma-hooks process holds the lock. If none is running, remove ${this.path}.lock.`,
      });
    }
  }
}

function notFound(id: string, tenant: string): NotFoundError {
  return new NotFoundError(`no webhook ${quote(id)} in tenant "${tenant}"`, {
    hint: 'Run `sigma-hooks list` to see the ids (and check --tenant).',
  });
}
