import { bundleConnection } from '@postern/api';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { renderBundleFiles, zipBundle, type BundleContent } from '../src/databases/database-bundle';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIkey\n-----END PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIcert\n-----END CERTIFICATE-----';
const CA = '-----BEGIN CERTIFICATE-----\nMIIca\n-----END CERTIFICATE-----';

function content(protocol: 'postgres' | 'mysql'): BundleContent {
  return {
    connection: bundleConnection(
      { name: 'demo', protocol },
      { host: 'proxy.example.com', port: protocol === 'postgres' ? 3080 : 3036 },
      { db_user: 'alice', db_name: 'app' },
      '2026-11-21T22:00:00.000Z',
    ),
    user: 'alice',
    roles: ['dev'],
    keyPem: KEY,
    certPem: CERT,
    caPems: [CA, CA],
  };
}

/** Name → Unix mode from the zip's central directory (what `unzip` restores). */
function unixModes(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const modes = new Map<string, number>();
  for (let i = 0; i + 46 <= zip.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    const madeBy = view.getUint16(i + 4, true) >> 8;
    const nameLen = view.getUint16(i + 28, true);
    const attrs = view.getUint32(i + 38, true);
    const name = strFromU8(zip.subarray(i + 46, i + 46 + nameLen));
    if (madeBy === 3) modes.set(name, (attrs >>> 16) & 0o777);
  }
  return modes;
}

describe('the certificate bundle', () => {
  it('holds README, the service file, certificate, key and CA for PostgreSQL', () => {
    const files = renderBundleFiles(content('postgres'));
    expect(files.map((f) => f.name)).toEqual(['README.txt', 'pg_service.conf', 'client.crt', 'client.key', 'proxy-ca.pem']);
    const byName = new Map(files.map((f) => [f.name, f]));
    expect(byName.get('pg_service.conf')!.content).toBe(
      [
        '[postern-demo]',
        '# from the Postern web UI for alice: database demo, valid until 2026-11-21T22:00:00.000Z',
        '# paths are relative to the bundle folder: run the client from there (see README.txt)',
        'host=proxy.example.com',
        'port=3080',
        'user=alice',
        'dbname=app',
        'sslmode=verify-full',
        'sslrootcert=proxy-ca.pem',
        'sslcert=client.crt',
        'sslkey=client.key',
        '',
      ].join('\n'),
    );
    expect(byName.get('client.key')).toEqual({ name: 'client.key', content: KEY, mode: 0o600 });
    expect(byName.get('client.crt')!.content).toBe(`${CERT}\n`);
    expect(byName.get('proxy-ca.pem')!.content).toBe(`${CA}\n${CA}\n`);
    const readme = byName.get('README.txt')!.content;
    expect(readme).toContain('Postern certificate bundle: database demo (PostgreSQL)');
    expect(readme).toContain('  cd postern-demo\n');
    expect(readme).toContain('  PGSERVICEFILE=pg_service.conf psql service=postern-demo\n');
    expect(readme).toContain("  psql 'host=proxy.example.com port=3080 user=alice dbname=app sslmode=verify-full sslrootcert=proxy-ca.pem sslcert=client.crt sslkey=client.key'\n");
    expect(readme).toContain('  postern db connect demo --db-user alice --db-name app\n');
    expect(readme).toContain('Valid until:  2026-11-21T22:00:00.000Z');
    expect(readme).not.toContain('MIIkey');
    expect(readme.split('\n').every((l) => l.length <= 100 || l.startsWith('  '))).toBe(true);
  });

  it('holds an option file that both MySQL clients read, and their commands', () => {
    const files = renderBundleFiles(content('mysql'));
    expect(files.map((f) => f.name)).toEqual(['README.txt', 'my.cnf', 'client.crt', 'client.key', 'proxy-ca.pem']);
    const cnf = files[1]!.content;
    expect(cnf).toMatch(/^\[client_postern-demo\]\n/);
    expect(cnf).toContain('\nssl-key=client.key\n\n[client-mariadb_postern-demo]\nssl-verify-server-cert\n');
    const readme = files[0]!.content;
    expect(readme).toContain('MySQL / MariaDB');
    expect(readme).toContain('  mariadb --defaults-extra-file=my.cnf --defaults-group-suffix=_postern-demo\n');
    expect(readme).toContain('  mysql --defaults-extra-file=my.cnf --defaults-group-suffix=_postern-demo --ssl-mode=VERIFY_IDENTITY\n');
  });

  it('zips the files into one folder, keeping the key private', () => {
    const files = renderBundleFiles(content('postgres'));
    const zip = zipBundle('postern-demo', files, new Date('2026-11-21T10:00:00Z'));
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(files.map((f) => `postern-demo/${f.name}`).sort());
    expect(strFromU8(entries['postern-demo/client.key']!)).toBe(KEY);
    const modes = unixModes(zip);
    expect(modes.get('postern-demo/client.key')).toBe(0o600);
    expect(modes.get('postern-demo/pg_service.conf')).toBe(0o644);
  });
});
