import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { AuditEvent, AuditSink } from '@postern/audit';
import type { Logger } from '@postern/log';

/** What one request to the Auth Service carries at most (its API takes up to 5,000). */
const MAX_EVENTS_PER_REQUEST = 4_000;
const MAX_BYTES_PER_REQUEST = 4 * 1024 * 1024;
/**
 * Batches are kept in memory as well as on disk up to this much text, so that sending
 * them does not read and parse them back; past it (the Auth Service is away for long)
 * the disk alone holds them and they are read when their turn comes.
 */
const MAX_BYTES_IN_MEMORY = 32 * 1024 * 1024;
/**
 * Deliveries start at most this often, unless a full request is waiting: each one costs
 * the Auth Service (in the proxy's process, in the embedded setup) an HTTP request, a
 * signature check and a store statement, so a busy agent sends a few large requests
 * rather than one per spooled batch. It bounds how late an event shows in the audit log.
 */
const MIN_DELIVERY_INTERVAL_MS = 1_000;

/** Events on their way to the Auth Service, as the JSON the request carries. */
export interface SpoolBatch {
  /** How many events. */
  count: number;
  /** A JSON array of the events, serialized once when they were spooled. */
  json: string;
  /** The events as objects (parsed from `json`; for callers that need them). */
  events(): AuditEvent[];
}

export interface SpoolOptions {
  dir: string;
  /** Posts one batch; throws when the Auth Service did not take it. */
  send(batch: SpoolBatch): Promise<void>;
  log: Logger;
  /** Past this size on disk the sink refuses, and the agent refuses new sessions. */
  maxBytes?: number;
  /** Least time between the starts of two deliveries, unless a full request waits (default 1 s). */
  minDeliveryIntervalMs?: number;
}

/** One spool file: one batch from the AuditBatcher, or a file an earlier process left. */
interface Entry {
  file: string;
  bytes: number;
  /** Its events as comma-separated JSON (no brackets), or null while only on disk. */
  json: string | null;
  count: number;
  /** Written, fsync'd and renamed into place: it may be sent. */
  ready: boolean;
}

/**
 * Audit events reach the disk before anything else happens to them, and leave it only when
 * the Auth Service has stored them: an outage of the Auth Service, or a crash of the agent,
 * loses nothing (a batch may be sent twice; the store skips duplicates by uid).
 *
 * Every file operation is asynchronous: an fsync takes milliseconds, and done
 * synchronously it stalled every session's relay on the event loop. One fsync per batch
 * (group commit: a batch holds everything the sessions emitted in its interval). Batches
 * written here stay in memory too, already serialized, so delivery neither lists the
 * directory nor reads, parses and re-serializes what it just wrote.
 */
export class AuditSpool {
  private seq = 0;
  private bytes = 0;
  private memoryBytes = 0;
  private readonly queue: Entry[] = [];
  private draining: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private closed = false;
  private backoffMs = 500;
  readonly maxBytes: number;
  private readonly minIntervalMs: number;
  /** Callers of drained() waiting: no pause between deliveries meanwhile. */
  private hurry = 0;

  constructor(private readonly opts: SpoolOptions) {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    this.maxBytes = opts.maxBytes ?? 1024 * 1024 * 1024;
    this.minIntervalMs = opts.minDeliveryIntervalMs ?? MIN_DELIVERY_INTERVAL_MS;
    // What an earlier process left: sent first, read from disk when its turn comes.
    for (const f of readdirSync(opts.dir).filter((f) => f.endsWith('.jsonl')).sort()) {
      const file = path.join(opts.dir, f);
      const bytes = statSync(file).size;
      this.bytes += bytes;
      this.queue.push({ file, bytes, json: null, count: 0, ready: true });
    }
    this.draining = this.drainLoop();
  }

  /** The AuditBatcher's sink: one fsync'd file per batch. */
  readonly sink: AuditSink = async (events) => {
    if (this.bytes > this.maxBytes) {
      throw new Error(`audit spool ${this.opts.dir} holds ${this.bytes} bytes, over its limit; is the Auth Service reachable?`);
    }
    const lines = events.map((e) => JSON.stringify(e));
    const text = lines.join('\n') + '\n';
    const bytes = Buffer.byteLength(text);
    const name = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${(this.seq++).toString().padStart(8, '0')}.jsonl`;
    const file = path.join(this.opts.dir, name);
    // Its place in the queue is taken now, so batches go out in the order they came in.
    const entry: Entry = { file, bytes, json: null, count: lines.length, ready: false };
    this.queue.push(entry);
    this.bytes += bytes;
    try {
      await writeDurably(path.join(this.opts.dir, `.${name}.tmp`), file, text);
    } catch (err) {
      this.queue.splice(this.queue.indexOf(entry), 1);
      this.bytes -= bytes;
      throw err;
    }
    if (this.memoryBytes + bytes <= MAX_BYTES_IN_MEMORY) {
      entry.json = lines.join(',');
      this.memoryBytes += bytes;
    }
    entry.ready = true;
    this.wake?.();
  };

  get pendingFiles(): number {
    return this.queue.length;
  }

  /** Bytes on disk not yet delivered; past maxBytes the sink refuses. */
  get pendingBytes(): number {
    return this.bytes;
  }

  private async drainLoop(): Promise<void> {
    let lastStart = 0;
    while (!this.closed) {
      if (!this.queue[0]?.ready) {
        await this.sleep(1000);
        continue;
      }
      const wait = lastStart + this.minIntervalMs - Date.now();
      if (wait > 0 && this.hurry === 0 && this.readyEvents() < MAX_EVENTS_PER_REQUEST) {
        await this.sleep(wait);
        continue;
      }
      lastStart = Date.now();
      try {
        // Several spool files go in one request: each request costs the Auth Service a
        // round of HTTP, signature checks and a store transaction, whatever its size.
        const batch = await this.takeBatch();
        await this.opts.send(batch.send);
        // Removed from disk before they leave the queue: drained() means nothing is left
        // on disk either (the loop is the only taker, so the head stays these entries).
        await Promise.all(batch.entries.map((e) => this.remove(e.file)));
        this.queue.splice(0, batch.entries.length);
        for (const e of batch.entries) {
          this.bytes -= e.bytes;
          if (e.json !== null) this.memoryBytes -= e.bytes;
        }
        this.bytes = Math.max(0, this.bytes);
        this.backoffMs = 500;
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message, pending: this.queue.length }, 'audit delivery failed; keeping events on disk and retrying');
        await new Promise((r) => setTimeout(r, this.backoffMs).unref());
        this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      }
    }
  }

  /** Until `ms` pass or a batch is spooled (whichever is first). */
  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      setTimeout(resolve, ms).unref();
    });
    this.wake = null;
  }

  /** Events ready to go at the head of the queue (those only on disk count as none). */
  private readyEvents(): number {
    let n = 0;
    for (const e of this.queue) {
      if (!e.ready) break;
      n += e.count;
    }
    return n;
  }

  /** The ready entries at the head of the queue, as many as one request may carry. */
  private async takeBatch(): Promise<{ entries: Entry[]; send: SpoolBatch }> {
    const entries: Entry[] = [];
    const parts: string[] = [];
    let count = 0;
    let bytes = 0;
    for (const e of this.queue) {
      if (!e.ready) break;
      const json = e.json ?? (await this.load(e));
      if (entries.length > 0 && (count + e.count > MAX_EVENTS_PER_REQUEST || bytes + e.bytes > MAX_BYTES_PER_REQUEST)) break;
      entries.push(e);
      if (json !== '') parts.push(json);
      count += e.count;
      bytes += e.bytes;
    }
    const json = `[${parts.join(',')}]`;
    return { entries, send: { count, json, events: () => JSON.parse(json) as AuditEvent[] } };
  }

  /** A file only on disk (left by an earlier process, or past the memory budget). */
  private async load(e: Entry): Promise<string> {
    const lines = (await readFile(e.file, 'utf8')).split('\n').filter((line) => {
      if (line === '') return false;
      try {
        JSON.parse(line);
        return true;
      } catch {
        // Files are renamed into place only once fsync'd, so this is damage from outside;
        // one bad line must not hold back every event behind it.
        this.opts.log.error({ file: e.file }, 'audit spool file has a line that is not JSON; skipping that line');
        return false;
      }
    });
    e.count = lines.length;
    // Not kept in e.json: it stays out of the memory budget; it is read again on a retry.
    return lines.join(',');
  }

  /** A delivered file; should removing it fail, the next start sends it again (the store skips duplicates). */
  private async remove(file: string): Promise<void> {
    try {
      await unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.log.warn({ err: (err as Error).message, file }, 'could not remove a delivered audit spool file');
    }
  }

  /** Waits until the spool is empty (or the timeout passes); used at shutdown and by tests. */
  async drained(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    // Someone is waiting: deliver without the pause between deliveries.
    this.hurry++;
    this.wake?.();
    try {
      while (this.queue.length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      this.hurry--;
    }
    return this.queue.length === 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.draining;
  }
}

/** Writes a file whole or not at all: a temporary file, fsync'd, then renamed into place. */
async function writeDurably(tmp: string, file: string, text: string): Promise<void> {
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
