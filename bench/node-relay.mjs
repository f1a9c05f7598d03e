/**
 * The reference the bench puts next to Postern: the least a Node.js process can do as one
 * hop with TLS on both sides, as PgBouncer does in C. It ends the client's TLS (asking for
 * and checking a certificate from the DB Client CA), opens TLS with a client certificate
 * towards the database, and then only copies bytes: no routing, no tunnel, no audit, no
 * protocol parsing after the TLS upgrade. Postern's proxy and agent are two such hops plus
 * their own work, so what this reaches is above what they can; see bench/README.md.
 *
 * Plain JavaScript, run by `node` with no loader, so nothing but Node's own streams and
 * TLS is measured. Settings come as JSON on standard input (bench/node-relay.ts writes it):
 *   { "postgres": {"listen": port, "upstream": port} | null,
 *     "mysql": {"listen": port, "upstream": port} | null,
 *     "server": {"cert", "key"}, "clientCa", "upstreamCa", "client": {"cert", "key"} }   (PEM text)
 * It prints "ready" once both listeners are up.
 */
import { constants } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const settings = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const serverOptions = { cert: settings.server.cert, key: settings.server.key, ca: settings.clientCa };
// As Postern's proxy (apps/proxy/src/start.ts): no session tickets for PostgreSQL clients,
// which never resume; MySQL clients may.
const postgresServerContext = tls.createSecureContext({ ...serverOptions, secureOptions: constants.SSL_OP_NO_TICKET });
const mysqlServerContext = tls.createSecureContext(serverOptions);
// P-256 first, as the agent does (packages/engine/src/net/tls-context.ts): PostgreSQL takes
// only P-256 by default, and OpenSSL's X25519 first would cost a HelloRetryRequest per
// connection that the agent does not pay; a floor should not carry it.
const clientContext = tls.createSecureContext({ cert: settings.client.cert, key: settings.client.key, ca: settings.upstreamCa, ecdhCurve: 'P-256:X25519' });

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** Resolves with exactly `n` bytes from a paused socket, putting back what came after. */
function readExactly(socket, n) {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < n) return;
      done();
      if (got.length > n) socket.unshift(got.subarray(n));
      resolve(got.subarray(0, n));
    };
    const onEnd = () => (done(), reject(new Error('closed during the handshake')));
    const done = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
    socket.resume();
  });
}

/** One MySQL packet (header and payload) as bytes. */
async function readMysqlPacket(socket) {
  const header = await readExactly(socket, 4);
  const payload = await readExactly(socket, header.readUIntLE(0, 3));
  return Buffer.concat([header, payload]);
}

function tlsServer(socket, secureContext) {
  return new Promise((resolve, reject) => {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext, requestCert: true, rejectUnauthorized: true });
    secure.once('secure', () => resolve(secure));
    secure.once('error', reject);
  });
}

function tlsClient(socket) {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket, host: '127.0.0.1', secureContext: clientContext });
    secure.once('secureConnect', () => resolve(secure));
    secure.once('error', reject);
  });
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function relay(a, b) {
  a.pipe(b);
  b.pipe(a);
  const close = () => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on('error', close);
    s.on('close', close);
  }
}

/** PostgreSQL: SSLRequest and 'S' on each side, then TLS on each side, then bytes. */
async function servePostgres(client, upstreamPort) {
  const request = await readExactly(client, 8);
  if (!request.equals(SSL_REQUEST)) throw new Error('expected an SSLRequest');
  client.write('S');
  const up = await connect(upstreamPort);
  try {
    up.write(SSL_REQUEST);
    const upstreamTls = readExactly(up, 1).then((answer) => {
      if (answer[0] !== 0x53) throw new Error('the database refused TLS');
      return tlsClient(up);
    });
    const [clientTls, upstream] = await Promise.all([tlsServer(client, postgresServerContext), upstreamTls]);
    relay(clientTls, upstream);
  } catch (err) {
    up.destroy();
    throw err;
  }
}

/**
 * MySQL: the server's greeting goes to the client as it is; the client's SSLRequest
 * packet goes to the server as it is; then TLS on each side, then bytes (the
 * HandshakeResponse and everything after it, whose sequence ids already agree).
 */
async function serveMysql(client, upstreamPort) {
  const up = await connect(upstreamPort);
  try {
    client.write(await readMysqlPacket(up));
    up.write(await readMysqlPacket(client));
    const [clientTls, upstreamTls] = await Promise.all([tlsServer(client, mysqlServerContext), tlsClient(up)]);
    relay(clientTls, upstreamTls);
  } catch (err) {
    up.destroy();
    throw err;
  }
}

function listen(port, serve, upstreamPort) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((client) => {
      client.setNoDelay(true);
      client.pause();
      client.on('error', () => {});
      serve(client, upstreamPort).catch(() => client.destroy());
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

await Promise.all([
  settings.postgres && listen(settings.postgres.listen, servePostgres, settings.postgres.upstream),
  settings.mysql && listen(settings.mysql.listen, serveMysql, settings.mysql.upstream),
]);
console.log('ready');
