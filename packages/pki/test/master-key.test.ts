import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateMasterKey, MASTER_KEY_BYTES, openSecret, sealSecret } from '../src';
import { pkiError, tmpDir } from './fixtures';

const posix = process.platform !== 'win32';

describe('loadOrCreateMasterKey', () => {
  it.skipIf(!posix)('creates a 0600 key file, in a 0700 directory when it has to make one', () => {
    const keyFile = path.join(tmpDir(), 'data', 'master.key');
    const key = loadOrCreateMasterKey({ keyFile });
    expect(key.length).toBe(MASTER_KEY_BYTES);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').equals(key)).toBe(true);
  });

  it('reuses an existing key file', () => {
    const keyFile = path.join(tmpDir(), 'master.key');
    const first = loadOrCreateMasterKey({ keyFile });
    const second = loadOrCreateMasterKey({ keyFile });
    expect(second.equals(first)).toBe(true);
  });

  it.skipIf(!posix)('refuses a key file other users can read', () => {
    const keyFile = path.join(tmpDir(), 'master.key');
    loadOrCreateMasterKey({ keyFile });
    chmodSync(keyFile, 0o644);
    const err = pkiError(() => loadOrCreateMasterKey({ keyFile }), 'master_key_permissions');
    expect(err.message).toContain(`chmod 600 ${keyFile}`);
    chmodSync(keyFile, 0o640);
    pkiError(() => loadOrCreateMasterKey({ keyFile }), 'master_key_permissions');
    chmodSync(keyFile, 0o600);
    expect(loadOrCreateMasterKey({ keyFile }).length).toBe(32);
  });

  it('prefers POSTERN_MASTER_KEY and leaves the key file alone', () => {
    const keyFile = path.join(tmpDir(), 'master.key');
    const env = Buffer.alloc(32, 7);
    expect(loadOrCreateMasterKey({ envValue: env.toString('base64'), keyFile }).equals(env)).toBe(true);
    expect(existsSync(keyFile)).toBe(false);
    // empty counts as unset
    expect(loadOrCreateMasterKey({ envValue: '', keyFile }).length).toBe(32);
    expect(existsSync(keyFile)).toBe(true);
  });

  it('refuses an invalid POSTERN_MASTER_KEY with advice', () => {
    const keyFile = path.join(tmpDir(), 'master.key');
    const short = pkiError(() => loadOrCreateMasterKey({ envValue: Buffer.alloc(16).toString('base64'), keyFile }), 'master_key_invalid');
    expect(short.message).toContain('POSTERN_MASTER_KEY');
    expect(short.message).toContain('16 bytes');
    expect(short.message).toContain('openssl rand -base64 32');
    pkiError(() => loadOrCreateMasterKey({ envValue: 'not base64!', keyFile }), 'master_key_invalid');
  });

  it.skipIf(!posix)('refuses a key file with the wrong contents', () => {
    const keyFile = path.join(tmpDir(), 'master.key');
    writeFileSync(keyFile, 'short\n', { mode: 0o600 });
    const err = pkiError(() => loadOrCreateMasterKey({ keyFile }), 'master_key_invalid');
    expect(err.message).toContain(keyFile);
  });
});

describe('sealSecret / openSecret', () => {
  const key = Buffer.alloc(32, 1);
  const secret = '-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----\n';

  it('round-trips, with a fresh IV every time', () => {
    const a = sealSecret(key, secret, 'ca:user');
    const b = sealSecret(key, secret, 'ca:user');
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('PRIVATE');
    expect(openSecret(key, a, 'ca:user')).toBe(secret);
  });

  it('refuses another master key, saying which settings to check', () => {
    const sealed = sealSecret(key, secret, 'ca:user');
    const err = pkiError(() => openSecret(Buffer.alloc(32, 2), sealed, 'ca:user'), 'master_key_mismatch');
    expect(err.message).toContain('POSTERN_MASTER_KEY');
    expect(err.message).toContain('master.key');
  });

  it('refuses a secret sealed for another purpose', () => {
    const sealed = sealSecret(key, secret, 'ca:user');
    pkiError(() => openSecret(key, sealed, 'ca:host'), 'master_key_mismatch');
  });

  it('detects tampering', () => {
    const sealed = sealSecret(key, secret, 'ca:user');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1]! ^= 0x01;
    pkiError(() => openSecret(key, `v1.${raw.toString('base64url')}`, 'ca:user'), 'master_key_mismatch');
    pkiError(() => openSecret(key, sealed.slice(0, 20), 'ca:user'), 'sealed_malformed');
    pkiError(() => openSecret(key, `v2.${sealed.slice(3)}`, 'ca:user'), 'sealed_malformed');
    pkiError(() => openSecret(key, `${sealed}!`, 'ca:user'), 'sealed_malformed');
  });

  it('refuses a master key of the wrong size', () => {
    pkiError(() => sealSecret(Buffer.alloc(16), secret, 'ca:user'), 'master_key_invalid');
  });
});
