import { join } from 'node:path';

// Debian's mariadb-server and mariadb-client put these on fixed paths; $POSTERN_MARIADB_BIN
// points elsewhere (a directory holding all three) for other installations.
const binDir = process.env['POSTERN_MARIADB_BIN'];
export const MARIADBD = binDir ? join(binDir, 'mariadbd') : '/usr/sbin/mariadbd';
export const MARIADB_INSTALL_DB = binDir ? join(binDir, 'mariadb-install-db') : '/usr/bin/mariadb-install-db';
export const MARIADB_CLIENT = binDir ? join(binDir, 'mariadb') : '/usr/bin/mariadb';

export interface MariadbdSettings {
  dataDir: string;
  port: number;
  socketPath: string;
  logFile: string;
  tmpDir: string;
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** mariadbd refuses to run as root unless told to. */
  asRoot: boolean;
}

/** Command-line settings; --no-defaults keeps the machine's /etc/mysql out of it. */
export function mariadbdArgs(s: MariadbdSettings): string[] {
  const args = [
    '--no-defaults',
    `--datadir=${s.dataDir}`,
    `--port=${s.port}`,
    '--bind-address=127.0.0.1',
    `--socket=${s.socketPath}`,
    `--pid-file=${s.socketPath}.pid`,
    `--log-error=${s.logFile}`,
    `--tmpdir=${s.tmpDir}`,
    // Users are matched by address; no DNS lookups on loopback connections.
    '--skip-name-resolve',
    // Proxy and load tests open many sessions and move values of tens of MiB.
    '--max-connections=300',
    '--max-allowed-packet=64M',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    // A throwaway server: durability costs time and buys nothing.
    '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0',
    '--skip-log-bin',
    // Loopback clients that connect and go without a handshake (probes) must not get 127.0.0.1 blocked.
    '--max-connect-errors=1000000',
  ];
  if (s.tls) {
    args.push(`--ssl-cert=${s.tls.certFile}`, `--ssl-key=${s.tls.keyFile}`, `--ssl-ca=${s.tls.caFile}`, '--require-secure-transport=OFF');
  }
  if (s.asRoot) args.push('--user=root');
  return args;
}
