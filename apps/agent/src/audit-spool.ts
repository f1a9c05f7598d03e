import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AuditEvent, AuditSink } from '@postern/audit';
import type { Logger } from '@postern/log';

/** What one request to the Auth Service carries at most (its API takes up to 5,000). */
const MAX_EVENTS_PER_REQUEST = 4_000;
const MAX_BYTES_PER_REQUEST = 4 * 1024 * 1024;

export interface SpoolOptions {
  dir: string;
  /** Posts one batch; throws when the Auth Service did not take it. */
  send(events: AuditEvent[]): Promise<void>;
  log: Logger;
  /** Past this size on disk the sink refuses, and the agent refuses new sessions. */
  maxBytes?: number;
}

/**
 * Audit events reach the disk before anything else happens to them, and leave it only when
 * the Auth Service has stored them: an outage of the Auth Service, or a crash of the agent,
 * loses nothing (a batch may be sent twice; the store skips duplicates by uid).
 */
export class AuditSpool {
  private seq = 0;
  private bytes = 0;
  private draining: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private closed = false;
  private backoffMs = 500;
  readonly maxBytes: number;

  constructor(private readonly opts: SpoolOptions) {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    this.maxBytes = opts.maxBytes ?? 1024 * 1024 * 1024;
    for (const f of this.files()) this.bytes += statSync(path.join(opts.dir, f)).size;
    this.draining = this.drainLoop();
  }

  /** The AuditBatcher's sink: one fsync'd file per batch. */
  readonly sink: AuditSink = async (events) => {
    if (this.bytes > this.maxBytes) {
      throw new Error(`audit spool ${this.opts.dir} holds ${this.bytes} bytes, over its limit; is the Auth Service reachable?`);
    }
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const name = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${(this.seq++).toString().padStart(8, '0')}.jsonl`;
    const tmp = path.join(this.opts.dir, `.${name}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path.join(this.opts.dir, name));
    this.bytes += Buffer.byteLength(text);
    this.wake?.();
  };

  get pendingFiles(): number {
    return this.files().length;
  }

  private files(): string[] {
    return readdirSync(this.opts.dir).filter((f) => f.endsWith('.jsonl')).sort();
  }

  private async drainLoop(): Promise<void> {
    while (!this.closed) {
      const files = this.files();
      if (files.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 1000).unref();
        });
        this.wake = null;
        continue;
      }
      // Several spool files go in one request: each request costs the Auth Service a
      // round of HTTP, signature checks and a store transaction, whatever its size.
      const batch = this.takeBatch(files);
      try {
        await this.opts.send(batch.events);
        for (const file of batch.files) unlinkSync(file);
        this.bytes = Math.max(0, this.bytes - batch.bytes);
        this.backoffMs = 500;
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message, pending: files.length }, 'audit delivery failed; keeping events on disk and retrying');
        await new Promise((r) => setTimeout(r, this.backoffMs).unref());
        this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      }
    }
  }

  private takeBatch(files: string[]): { files: string[]; events: AuditEvent[]; bytes: number } {
    const out = { files: [] as string[], events: [] as AuditEvent[], bytes: 0 };
    for (const f of files) {
      const file = path.join(this.opts.dir, f);
      const text = readFileSync(file, 'utf8');
      const events = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
      const bytes = Buffer.byteLength(text);
      if (out.events.length > 0 && (out.events.length + events.length > MAX_EVENTS_PER_REQUEST || out.bytes + bytes > MAX_BYTES_PER_REQUEST)) break;
      out.files.push(file);
      out.events.push(...events);
      out.bytes += bytes;
    }
    return out;
  }

  /** Waits until the spool is empty (or the timeout passes); used at shutdown and by tests. */
  async drained(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.files().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    return this.files().length === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.draining;
  }
}
