import { client as samples } from '../protocol/samples';
import { greetingFields, WireClient } from './wire-client';

export interface WireLogin {
  client: WireClient;
  /** The packet answering the login: OK or ERR, at the sequence id the proxy chose. */
  result: { sequenceId: number; payload: Buffer };
  /** The capability flags the proxy's greeting offered. */
  offered: number;
}

/**
 * A hand-driven login through a proxy listener: greeting, SSLRequest (1), TLS, the sample
 * HandshakeResponse41 (2: user alice, database appdb) with the given capability flags.
 */
export async function wireLogin(port: number, flags: number): Promise<WireLogin> {
  const client = await WireClient.connect(port);
  const offered = greetingFields((await client.readPacket()).payload).capabilities;
  const ssl = Buffer.from(samples.sslRequest);
  ssl.writeUInt32LE(flags >>> 0, 0);
  client.send(ssl, 1);
  await client.startTls();
  const response = Buffer.from(samples.handshakeResponse);
  response.writeUInt32LE(flags >>> 0, 0);
  client.send(response, 2);
  return { client, result: await client.readPacket(), offered };
}
