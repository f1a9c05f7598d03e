import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createCertAuthority, createCsr, generateKeyPair, isPkiError } from '../src';
import type { CertAuthority, KeyPair, PkiErrorCode } from '../src';
import { encodeDer, forge, parseDer } from '../src/forge';

export const HOUR = 3_600_000;

export interface Fixtures {
  userCa: CertAuthority;
  hostCa: CertAuthority;
  dbCa: CertAuthority;
  key: KeyPair;
  csr: string;
}

let cached: Promise<Fixtures> | undefined;

/** CAs and a client key are slow-ish to make (RSA keygen), so each test file makes them once. */
export function fixtures(): Promise<Fixtures> {
  cached ??= (async () => {
    const [userCa, hostCa, dbCa, key] = await Promise.all([
      createCertAuthority('user', 'acme'),
      createCertAuthority('host', 'acme'),
      createCertAuthority('db_client', 'acme'),
      generateKeyPair(),
    ]);
    return { userCa, hostCa, dbCa, key, csr: createCsr(key, 'requester') };
  })();
  return cached;
}

/** Runs fn and returns the PkiError it threw, failing the test if it threw nothing or something else. */
export function pkiError(fn: () => unknown, code: PkiErrorCode): Error {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected PkiError ${code}`).toBeDefined();
  expect(isPkiError(thrown) ? thrown.code : String(thrown)).toBe(code);
  return thrown as Error;
}

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

export function tmpDir(prefix = 'postern-pki-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes files into a fresh directory and runs openssl there; returns status and output instead of throwing. */
export function openssl(args: string[], files: Record<string, string> = {}): { status: number; output: string } {
  const dir = tmpDir('postern-openssl-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export function opensslCsr(keyArgs: string[], subject = '/CN=openssl-user'): string {
  const dir = tmpDir('postern-openssl-');
  return execFileSync('openssl', ['req', '-new', ...keyArgs, '-nodes', '-keyout', path.join(dir, 'key.pem'), '-subj', subject], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * An EC (P-256) CSR built without OpenSSL: forge.asn1 for the structure, Node's crypto for
 * the ECDSA signature. forge itself cannot make one (its CSR code is RSA-only).
 */
export function ecCsr(commonName = 'ec-user'): string {
  const a = forge.asn1;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const seq = (v: forge.asn1.Asn1[]) => a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, v);
  const oidNode = (o: string) => a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(o).getBytes());
  const name = seq([
    a.create(a.Class.UNIVERSAL, a.Type.SET, true, [
      seq([oidNode('2.5.4.3'), a.create(a.Class.UNIVERSAL, a.Type.UTF8, false, forge.util.encodeUtf8(commonName))]),
    ]),
  ]);
  const cri = seq([
    a.create(a.Class.UNIVERSAL, a.Type.INTEGER, false, '\x00'),
    name,
    parseDer(publicKey.export({ type: 'spki', format: 'der' })),
    a.create(a.Class.CONTEXT_SPECIFIC, 0, true, []),
  ]);
  const signature = sign('sha256', encodeDer(cri), privateKey);
  const csr = seq([
    cri,
    seq([oidNode('1.2.840.10045.4.3.2')]),
    a.create(a.Class.UNIVERSAL, a.Type.BITSTRING, false, `\x00${signature.toString('binary')}`),
  ]);
  const b64 = encodeDer(csr).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}
