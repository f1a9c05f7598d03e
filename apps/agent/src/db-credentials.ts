import { certResponse } from '@postern/api';
import type { DbClientCredentials } from '@postern/engine';
import { certificateExpiry, createCsr, generateKeyPair, type KeyPair } from '@postern/pki';
import type { AuthClient } from './auth-client';

const TTL = '1h';
const RENEW_BEFORE_MS = 10 * 60_000;

/** DB Client CA certificates per db user, kept until ten minutes before they expire. */
export class DbCredentialCache {
  private key: Promise<KeyPair> | undefined;
  private readonly certs = new Map<string, Promise<{ certPem: string; expires: number }>>();

  constructor(private readonly auth: AuthClient) {}

  async get(dbUser: string): Promise<DbClientCredentials> {
    this.key ??= generateKeyPair();
    const key = await this.key;
    let entry = this.certs.get(dbUser);
    const fresh = entry && (await entry.catch(() => null));
    if (!fresh || fresh.expires - Date.now() < RENEW_BEFORE_MS) {
      entry = this.issue(key, dbUser);
      this.certs.set(dbUser, entry);
      entry.catch(() => this.certs.delete(dbUser));
    }
    const { certPem } = await entry!;
    return { certPem, keyPem: key.privateKeyPem };
  }

  private async issue(key: KeyPair, dbUser: string) {
    const res = await this.auth.call('POST', '/certs/db-client', { csr: createCsr(key, dbUser), db_user: dbUser, ttl: TTL }, certResponse);
    return { certPem: res.certificate, expires: certificateExpiry(res.certificate).getTime() };
  }
}
