/**
 * How long does issuing one certificate take? forge's pure-JS RSA signature versus
 * Node's native crypto.sign over the same TBSCertificate. Run:
 *   npx tsx packages/pki/bench/sign.bench.ts [count]
 */
import { createPrivateKey } from 'node:crypto';
import { createCertAuthority, createCsr, generateKeyPair, parseCsr, signUserCertificate, verifyUserCertificate } from '../src';
import { forge, utf8Field } from '../src/forge';
import { randomSerialHex, signCertificate } from '../src/native-sign';

const count = Number(process.argv[2] ?? 50);

const ca = await createCertAuthority('user', 'bench');
const key = await generateKeyPair();
const csr = createCsr(key, 'bench-user');
const subjectKey = forge.pki.publicKeyFromPem(parseCsr(csr).publicKeyPem);
const caCert = forge.pki.certificateFromPem(ca.certPem);
const forgeCaKey = forge.pki.privateKeyFromPem(ca.privateKeyPem);
const nodeCaKey = createPrivateKey(ca.privateKeyPem);

function build(): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.version = 2;
  cert.serialNumber = randomSerialHex();
  cert.publicKey = subjectKey;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  cert.setSubject([utf8Field('commonName', 'bench-user')]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return cert;
}

function measure(label: string, fn: () => unknown, n = count): number {
  for (let i = 0; i < 10; i++) fn(); // warm-up: JIT and caches
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = (performance.now() - start) / n;
  console.log(`${label.padEnd(52)} ${ms.toFixed(3).padStart(8)} ms/cert`);
  return ms;
}

console.log(`RSA-2048, SHA-256, ${count} certificates each, Node ${process.version}`);
const viaForge = measure('build + forge cert.sign (pure JS RSA)', () => {
  const cert = build();
  cert.sign(forgeCaKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
});
const viaNode = measure('build + crypto.sign of the TBS (native RSA)', () => signCertificate(build(), nodeCaKey));
console.log(`native is ${(viaForge / viaNode).toFixed(0)}x faster`);

const id = { username: 'bench-user', roles: ['dev'], traits: {} };
measure('signUserCertificate (CSR checks + identity + sign)', () => signUserCertificate(ca, csr, id, 3_600_000));
const cert = signUserCertificate(ca, csr, id, 3_600_000);
measure('verifyUserCertificate (per connection)', () => verifyUserCertificate(cert, { trusted: [ca.certPem] }), count * 10);
