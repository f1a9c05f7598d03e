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

async function sniff(chunks: Buffer[]): Promise<{ keys: [number, number][]; done: boolean }> {
  const keys: [number, number][] = [];
  const s = new BackendKeySniffer((pid, key) => keys.push([pid, key]));
  for (const c of chunks) s.push(c);
  return { keys, done: s.done };
}

describe('BackendKeySniffer', () => {
  const stream = Buffer.concat([AUTH_OK, PARAM, KEY, READY, ROW, KEY]);

  it('finds BackendKeyData before the first ReadyForQuery, and is done at it', async () => {
    const { keys, done } = await sniff([stream]);
    expect(keys).toEqual([[1001, 0xf0bc614e]]);
    expect(done).toBe(true);
  });

  it('finds it however the bytes are split', async () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { keys } = await sniff([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(keys, `cut at ${cut}`).toEqual([[1001, 0xf0bc614e]]);
    }
  });

  it('stops looking after an ErrorResponse and on garbage', async () => {
    const err = msg('E', Buffer.from('SFATAL\u0000\u0000', 'latin1'));
    expect((await sniff([Buffer.concat([err, KEY])])).keys).toEqual([]);
    const garbage = Buffer.from('ffffffffffffffffff', 'hex');
    const { keys, done } = await sniff([garbage]);
    expect(keys).toEqual([]);
    expect(done).toBe(true);
  });
});
