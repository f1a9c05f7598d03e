import { dbSignResponse } from '@postern/api';
import { createCsr, generateKeyPair } from '@postern/pki';
import type { Command } from 'commander';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../../errors';
import { callApi } from '../../http';
import { adminTarget } from './client';

export function registerAdminDbSign(admin: Command): void {
  const db = admin.command('db').description('database server certificates');
  db.command('sign')
    .description("write a database server's certificate and key, and the DB Client CA it must trust")
    .requiredOption('--host <hosts>', 'comma-separated names and addresses clients use for the server')
    .requiredOption('--out <prefix>', 'writes PREFIX.crt, PREFIX.key and PREFIX.cas')
    .option('--ttl <duration>', 'how long the certificate lasts', '2190h')
    .action(async (opts: { host: string; out: string; ttl: string }, cmd: Command) => {
      const hosts = opts.host.split(',').map((h) => h.trim()).filter(Boolean);
      if (hosts.length === 0) throw new CliError('--host: name at least one host');
      const key = await generateKeyPair();
      const res = await callApi(adminTarget(cmd), 'POST', '/admin/db/sign', dbSignResponse, {
        csr: createCsr(key, hosts[0]!),
        hosts,
        ttl: opts.ttl,
      });
      const prefix = path.resolve(opts.out);
      mkdirSync(path.dirname(prefix), { recursive: true });
      writeFileSync(`${prefix}.crt`, res.certificate);
      writeFileSync(`${prefix}.key`, key.privateKeyPem, { mode: 0o600 });
      chmodSync(`${prefix}.key`, 0o600);
      writeFileSync(`${prefix}.cas`, res.ca.db_client.join('\n'));
      console.log(`Wrote ${prefix}.crt, ${prefix}.key and ${prefix}.cas (valid until ${res.expires}).

PostgreSQL — postgresql.conf:
  ssl = on
  ssl_cert_file = '${prefix}.crt'
  ssl_key_file = '${prefix}.key'     # owned by the server's user, mode 0600
  ssl_ca_file = '${prefix}.cas'
and pg_hba.conf:
  hostssl all all 0.0.0.0/0 cert
  hostssl all all ::/0 cert

MySQL / MariaDB — [mysqld] in my.cnf:
  ssl_cert = ${prefix}.crt
  ssl_key = ${prefix}.key
  ssl_ca = ${prefix}.cas
  require_secure_transport = ON
and for each database user: CREATE USER 'alice'@'%' REQUIRE SUBJECT '/CN=alice';`);
    });
}
