import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../src/index';

// Certificates made with the openssl CLI, so that the harness is tested against a CA that
// has nothing to do with Postern's own PKI code.

export interface CertFiles {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await run('openssl', args, { cwd });
  if (result.code !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

async function files(dir: string, name: string): Promise<CertFiles> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  // libpq refuses a client key that group or others can read.
  await chmod(keyFile, 0o600);
  return { certFile, keyFile, certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeCa(dir: string, name: string): Promise<CertFiles> {
  await openssl(
    ['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`],
    dir,
  );
  return files(dir, name);
}

export async function issueCert(
  dir: string,
  ca: CertFiles,
  name: string,
  opts: { cn: string; server?: boolean },
): Promise<CertFiles> {
  await openssl(['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${opts.cn}`], dir);
  const ext = opts.server
    ? ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature', 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1']
    : ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature', 'extendedKeyUsage=clientAuth'];
  await writeFile(join(dir, `${name}.ext`), ext.join('\n') + '\n');
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', String(Date.now()),
      '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`],
    dir,
  );
  return files(dir, name);
}
