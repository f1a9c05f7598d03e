import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PkiError } from './errors';

export const MASTER_KEY_BYTES = 32;
const SEALED_PREFIX = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (!key || key.length !== MASTER_KEY_BYTES) {
    const got = key ? `it decodes to ${key.length} bytes` : 'it is not base64';
    throw new PkiError(
      'master_key_invalid',
      `${source} must hold ${MASTER_KEY_BYTES} random bytes in base64 (create one with \`openssl rand -base64 32\`); ${got}`,
    );
  }
  return key;
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function readKeyFile(keyFile: string): Buffer {
  let text: string;
  try {
    const st = statSync(keyFile);
    if (!st.isFile()) throw new PkiError('master_key_invalid', `the master key file ${keyFile} is not a regular file`);
    // Windows has no POSIX modes to check.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new PkiError(
        'master_key_permissions',
        `the master key file ${keyFile} can be read by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); run \`chmod 600 ${keyFile}\``,
      );
    }
    text = readFileSync(keyFile, 'utf8');
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiError('master_key_invalid', `the master key file ${keyFile} could not be read (${(err as Error).message})`);
  }
  return decodeKey(text, `the master key file ${keyFile}`);
}

function createKeyFile(keyFile: string): Buffer | undefined {
  mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  const key = randomBytes(MASTER_KEY_BYTES);
  let fd: number;
  try {
    // 'wx': if another process creates the file first, use its key rather than overwrite it.
    fd = openSync(keyFile, 'wx', 0o600);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return undefined;
    throw err;
  }
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    // Losing this file loses every CA key sealed with it: make sure it reached the disk.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

/**
 * The key that seals CA private keys at rest. POSTERN_MASTER_KEY wins (what replicas that
 * share a store use); otherwise `keyFile`, created on first start. An empty environment
 * value counts as unset.
 */
export function loadOrCreateMasterKey(opts: { envValue?: string; keyFile: string }): Buffer {
  if (opts.envValue !== undefined && opts.envValue.trim() !== '') return decodeKey(opts.envValue, 'POSTERN_MASTER_KEY');
  let exists = true;
  try {
    statSync(opts.keyFile);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') {
      throw new PkiError('master_key_invalid', `the master key file ${opts.keyFile} could not be read (${(err as Error).message})`);
    }
    exists = false;
  }
  if (!exists) {
    try {
      const created = createKeyFile(opts.keyFile);
      if (created) return created;
    } catch (err) {
      throw new PkiError('master_key_invalid', `the master key file ${opts.keyFile} could not be created (${(err as Error).message})`);
    }
  }
  return readKeyFile(opts.keyFile);
}

function checkMasterKey(masterKey: Buffer): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== MASTER_KEY_BYTES) {
    throw new PkiError('master_key_invalid', `the master key must be ${MASTER_KEY_BYTES} bytes`);
  }
}

/**
 * AES-256-GCM; "v1." + base64url(iv | tag | ciphertext). `aad` names what the secret is
 * for (e.g. "ca:user"), so a sealed value copied into another slot does not open there.
 */
export function sealSecret(masterKey: Buffer, plaintext: string, aad: string): string {
  checkMasterKey(masterKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

export function openSecret(masterKey: Buffer, sealed: string, aad: string): string {
  checkMasterKey(masterKey);
  const body = typeof sealed === 'string' && sealed.startsWith(SEALED_PREFIX) ? sealed.slice(SEALED_PREFIX.length) : undefined;
  if (body === undefined || !/^[A-Za-z0-9_-]+$/.test(body)) {
    throw new PkiError('sealed_malformed', 'the stored secret is not in the sealed format ("v1." + base64url)');
  }
  const raw = Buffer.from(body, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new PkiError('sealed_malformed', 'the stored secret is too short to be sealed data');
  const decipher = createDecipheriv('aes-256-gcm', masterKey, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot tell a different key from altered data; the key is by far the likelier cause.
    throw new PkiError(
      'master_key_mismatch',
      'the master key does not open the stored CA keys: POSTERN_MASTER_KEY or <data dir>/master.key differs from the one they were sealed with (or the stored value was altered)',
    );
  }
}
