import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BackendKeySniffer } from '../src/postgres/backend-key-sniffer';
import { classify } from '../src/sniff';

// Bytes written by hand, independently of any serializer.
const SSL_REQUEST = Buffer.from('0000000804d2162f', 'hex');
const CANCEL_REQUEST = Buffer.from('0000001004d2162e0000007b000001c8', 'hex');
const CLIENT_HELLO = Buffer.from('160301020001', 'hex');

function msg(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const AUTH_OK = msg('R', Buffer.from('00000000', 'hex'));
const PARAM = msg('S', Buffer.from('server_version\u000015.1\u0000', 'latin1'));
const KEY = msg('K', Buffer.from('000003e9f0bc614e', 'hex')); // pid 1001, key 0xf0bc614e: top bit set, as half of all keys
const READY = msg('Z', Buffer.from('I', 'latin1'));
const ROW = msg('D', Buffer.from('0001000000014b', 'hex')); // contains 'K' bytes, after ReadyForQuery

describe('classify', () => {
  it('tells PostgreSQL, TLS and plain HTTP apart from the first bytes', () => {
    expect(classify(SSL_REQUEST).kind).toBe('postgres');
    expect(classify(CANCEL_REQUEST).kind).toBe('postgres');
    expect(classify(CLIENT_HELLO).kind).toBe('tls');
    expect(classify(Buffer.from('GET / HTTP/1.1\r\n')).kind).toBe('http');
    expect(classify(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])).kind).toBe('unknown');
  });
});

async function sniff(chunks: Buffer[]): Promise<{ keys: [number, number][]; out: Buffer }> {
  const keys: [number, number][] = [];
  const s = new BackendKeySniffer((pid, key) => keys.push([pid, key]));
  const sink = new PassThrough();
  s.pipe(sink);
  const got: Buffer[] = [];
  sink.on('data', (d: Buffer) => got.push(d));
  for (const c of chunks) s.write(c);
  s.end();
  await new Promise((r) => sink.once('end', r));
  return { keys, out: Buffer.concat(got) };
}

describe('BackendKeySniffer', () => {
  const stream = Buffer.concat([AUTH_OK, PARAM, KEY, READY, ROW, KEY]);

  it('finds BackendKeyData before the first ReadyForQuery and passes every byte on', async () => {
    const { keys, out } = await sniff([stream]);
    expect(keys).toEqual([[1001, 0xf0bc614e]]);
    expect(out.equals(stream)).toBe(true);
  });

  it('finds it however the bytes are split', async () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { keys, out } = await sniff([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(keys, `cut at ${cut}`).toEqual([[1001, 0xf0bc614e]]);
      expect(out.equals(stream)).toBe(true);
    }
  });

  it('stops looking after an ErrorResponse and on garbage, without touching the data', async () => {
    const err = msg('E', Buffer.from('SFATAL\u0000\u0000', 'latin1'));
    expect((await sniff([Buffer.concat([err, KEY])])).keys).toEqual([]);
    const garbage = Buffer.from('ffffffffffffffffff', 'hex');
    const { keys, out } = await sniff([garbage]);
    expect(keys).toEqual([]);
    expect(out.equals(garbage)).toBe(true);
  });
});
