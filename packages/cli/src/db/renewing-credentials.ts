import { readFileSync } from 'node:fs';
import { dbLoginFiles, loadDbLogin } from './db-logins';
import { RENEW_MARGIN_MS } from './login';
import type { DbCredentials } from './proxy-tls';

export interface RenewingCredentialsOptions {
  home: string;
  name: string;
  /** The Host CA file. */
  caFile: string;
  /** Logs in to the database again with the session, rewriting the files. */
  renew: () => Promise<void>;
  log: (line: string) => void;
  now?: () => number;
}

/** After a renewal that failed or could not extend the certificate, wait this long before the next try. */
const RETRY_MS = 30_000;

/**
 * The certificate of a long-running `postern proxy db`, renewed before it ends: ahead of
 * time by a timer (so that tools reading the files in pass-through mode find a current
 * one) and, in the tunnel, whenever a connection finds it about to expire. Renewal needs
 * the session; when that has ended, the certificate runs out and the user is told.
 */
export class RenewingCredentials {
  private renewing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryAfter = 0;
  private lastLine = '';
  /** Why the last renewal did not give a longer certificate: what the person has to fix. */
  private lastFailure = '';
  private readonly now: () => number;

  constructor(private readonly opts: RenewingCredentialsOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** A failing renewal is retried every 30 s; saying so once is enough. */
  private log(line: string): void {
    if (line !== this.lastLine) this.opts.log(line);
    this.lastLine = line;
  }

  private expires(): number {
    const rec = loadDbLogin(this.opts.home, this.opts.name);
    return rec ? new Date(rec.expires).getTime() : 0;
  }

  /** One renewal at a time, however many connections ask. */
  renewNow(): Promise<void> {
    this.renewing ??= (async () => {
      const before = this.expires();
      try {
        await this.opts.renew();
        const after = this.expires();
        if (after <= before) {
          this.retryAfter = this.now() + RETRY_MS;
          this.lastFailure = 'your session has ended: run `postern login` to continue';
          this.log(`the certificate for ${this.opts.name} cannot last beyond ${new Date(after).toISOString()} (the session ends then): run \`postern login\` to continue`);
        } else {
          this.lastFailure = '';
          this.log(`renewed the certificate for ${this.opts.name}; valid until ${new Date(after).toISOString()}`);
        }
      } catch (err) {
        this.retryAfter = this.now() + RETRY_MS;
        this.lastFailure = (err as Error).message;
        this.log(`could not renew the certificate for ${this.opts.name}: ${this.lastFailure}`);
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }

  async get(): Promise<DbCredentials> {
    if (this.expires() - this.now() <= RENEW_MARGIN_MS && this.now() >= this.retryAfter) await this.renewNow();
    if (this.expires() <= this.now()) {
      const why = this.lastFailure ? ` (${this.lastFailure})` : '';
      throw new Error(`the certificate for ${this.opts.name} has expired and could not be renewed${why}: run \`postern db login ${this.opts.name}\``);
    }
    const f = dbLoginFiles(this.opts.home, this.opts.name);
    return { certPem: readFileSync(f.cert, 'utf8'), keyPem: readFileSync(f.key, 'utf8'), caPem: readFileSync(this.opts.caFile, 'utf8') };
  }

  /** Renews ahead of the end until stop(). */
  start(): void {
    const schedule = () => {
      const due = Math.max(this.expires() - RENEW_MARGIN_MS - this.now(), this.retryAfter - this.now(), 1_000);
      // setTimeout takes at most 2^31-1 ms; a longer wait is simply re-armed.
      this.timer = setTimeout(
        () => {
          if (this.expires() - this.now() > RENEW_MARGIN_MS) return schedule();
          void this.renewNow().then(schedule);
        },
        Math.min(due, 2 ** 31 - 1),
      );
      this.timer.unref();
    };
    schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
