/** Settings appended to postgresql.conf; later lines win over initdb's defaults. */
export function renderPostgresConf(opts: {
  port: number;
  socketDir: string;
  tls?: { certFile: string; keyFile: string; caFile: string };
}): string {
  const lines = [
    "listen_addresses = '127.0.0.1'",
    `port = ${opts.port}`,
    `unix_socket_directories = '${opts.socketDir}'`,
    // A throwaway server: durability costs time and buys nothing.
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    // Proxy and load tests open many sessions at once.
    'max_connections = 300',
    "shared_buffers = '16MB'",
  ];
  if (opts.tls) {
    lines.push(
      'ssl = on',
      `ssl_cert_file = '${opts.tls.certFile}'`,
      `ssl_key_file = '${opts.tls.keyFile}'`,
      `ssl_ca_file = '${opts.tls.caFile}'`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * With certAuth every SSL client must present a certificate signed by the client CA whose
 * CN is the database user. The harness itself still needs a way in, so the postgres user
 * alone is trusted over a plain (non-SSL) loopback connection; the first matching line
 * wins, so it must come first.
 */
export function renderHba(certAuth: boolean): string {
  const lines = ['# TYPE  DATABASE USER      ADDRESS       METHOD', 'local   all      postgres                trust'];
  if (certAuth) {
    lines.push('hostnossl all    postgres  127.0.0.1/32  trust', 'hostssl all      all       127.0.0.1/32  cert');
  } else {
    lines.push('host    all      all       127.0.0.1/32  trust');
  }
  return lines.join('\n') + '\n';
}
