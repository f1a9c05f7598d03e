import { WireClient as RawWireClient } from '@postern/testing/wire-client';

/**
 * A hand-driven MySQL client for tests: writes raw bytes and reads raw packets, framing
 * them with its own few lines rather than the package's framer.
 */
export class WireClient extends RawWireClient {
  /** Writes one packet: 3-byte little-endian length, sequence id, payload (under 16 MiB). */
  send(payload: Buffer, sequenceId: number): void {
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header[3] = sequenceId;
    this.socket.write(Buffer.concat([header, payload]));
  }

  /** One physical packet. */
  async readPacket(timeoutMs = 5_000): Promise<{ sequenceId: number; payload: Buffer }> {
    const header = await this.read(4, timeoutMs);
    const payload = await this.read(header.readUIntLE(0, 3), timeoutMs);
    return { sequenceId: header[3]!, payload };
  }
}

/** An ERR packet's fields, decoded independently of the package. */
export function errFields(payload: Buffer): { code: number; sqlState: string; message: string } {
  if (payload[0] !== 0xff) throw new Error(`not an ERR packet: ${payload.subarray(0, 16).toString('hex')}`);
  const hasState = payload[3] === 0x23;
  return {
    code: payload.readUInt16LE(1),
    sqlState: hasState ? payload.toString('latin1', 4, 9) : '',
    message: payload.toString('utf8', hasState ? 9 : 3),
  };
}

/** Greeting fields a test looks at, read with fixed offsets rather than the package's parser. */
export function greetingFields(payload: Buffer): { version: string; connectionId: number; capabilities: number; scramble: Buffer; plugin: string; charset: number } {
  const versionEnd = payload.indexOf(0, 1);
  let pos = versionEnd + 1;
  const connectionId = payload.readUInt32LE(pos);
  pos += 4;
  const part1 = payload.subarray(pos, pos + 8);
  pos += 9;
  const low = payload.readUInt16LE(pos);
  const charset = payload[pos + 2]!;
  const high = payload.readUInt16LE(pos + 5);
  const authLength = payload[pos + 7]!;
  pos += 8 + 10;
  const part2Length = Math.max(13, authLength - 8);
  const part2 = payload.subarray(pos, pos + part2Length - 1);
  pos += part2Length;
  const pluginEnd = payload.indexOf(0, pos);
  return {
    version: payload.toString('utf8', 1, versionEnd),
    connectionId,
    capabilities: (low | (high << 16)) >>> 0,
    scramble: Buffer.concat([part1, part2]),
    plugin: payload.toString('utf8', pos, pluginEnd),
    charset,
  };
}
