import { describe, expect, it } from 'vitest';
import {
  decodeExecuteParameters,
  inferParameterCount,
  PacketReader,
  parseAuthMoreData,
  parseAuthSwitchRequest,
  parseCommand,
  parseEof,
  parseErr,
  parseHandshakeResponse41,
  parseHandshakeV10,
  parseOk,
  parseSslRequest,
  parseStmtPrepareOk,
  isProtocolError,
  ProtocolError,
} from '../../src/index';
import { CommandAuditor } from '../../src/engine/command-auditor';
import { ServerObserver } from '../../src/engine/server-observer';
import { StatementRegistry } from '../../src/engine/statements';
import { fuzz, noise, pick, randomPieces } from '@postern/testing/fuzz';
import { client, commands, packet, server } from './samples';

const ITERATIONS = 5_000;
const payloads = [...Object.values(server), ...Object.values(client), ...Object.values(commands)];

/** Garbled packets of several kinds: noise, real payloads with bytes flipped or cut, valid headers with lies in them. */
function garble(random: () => number): Buffer {
  const seq = (): number => (random() < 0.7 ? 0 : Math.floor(random() * 256));
  switch (Math.floor(random() * 5)) {
    case 0:
      return noise(random, Math.floor(random() * 64));
    case 1: {
      const copy = Buffer.from(pick(random, payloads));
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      return packet(copy, seq());
    }
    case 2: {
      const whole = packet(pick(random, payloads), seq());
      return whole.subarray(0, Math.floor(random() * whole.length));
    }
    case 3: {
      // A command byte Postern parses, then nonsense.
      const code = pick(random, [0x01, 0x02, 0x03, 0x0e, 0x11, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1c, 0x1f, 0xff, 0x00, 0xfe]);
      return packet(Buffer.concat([Buffer.of(code), noise(random, Math.floor(random() * 40))]), seq());
    }
    default: {
      const copy = packet(pick(random, payloads), seq());
      // A length that says more or less than there is.
      copy.writeUIntLE(Math.floor(random() * 0x1000000), 0, 3);
      return copy;
    }
  }
}

/** Runs everything that reads peer bytes; returns what it threw, if anything. */
function exercise(input: Buffer, random: () => number): unknown {
  const reader = new PacketReader({ maxPacketLength: random() < 0.3 ? 32 : undefined });
  const statements = new StatementRegistry();
  const auditor = new CommandAuditor(() => {}, statements, { maxPacketLength: random() < 0.3 ? 32 : undefined });
  const observer = new ServerObserver(statements);
  try {
    for (const piece of randomPieces(input, random)) {
      observer.push(piece);
      void observer.atBoundary;
      auditor.consume(piece);
      reader.push(piece);
      for (let p = reader.next(); p; p = reader.next()) {
        const payload = p.payload;
        const parsers = [
          () => parseHandshakeV10(payload),
          () => parseSslRequest(payload),
          () => parseHandshakeResponse41(payload),
          () => parseOk(payload, 0xffffffff),
          () => parseOk(payload, 0),
          () => parseErr(payload),
          () => parseEof(payload),
          () => parseAuthSwitchRequest(payload),
          () => parseAuthMoreData(payload),
          () => parseStmtPrepareOk(payload),
          () => {
            const command = parseCommand(payload);
            if (command.type === 'stmtExecute') {
              inferParameterCount(command.params, 64);
              decodeExecuteParameters(command.params, Math.floor(random() * 12));
            }
          },
        ];
        for (const parse of parsers) {
          try {
            parse();
          } catch (err) {
            // Each parser may refuse; only with a ProtocolError.
            if (!(err instanceof ProtocolError)) throw err;
          }
        }
      }
    }
    reader.remainder();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('fuzz: garbled packets never throw anything but ProtocolError', () => {
  it.each([1, 2])('seed %i', (seed) => {
    const { protocolErrors, clean } = fuzz({ seed, iterations: ITERATIONS, garble, exercise, isProtocolError });
    // Both outcomes must occur, or the generator is not testing anything.
    expect(protocolErrors).toBeGreaterThan(ITERATIONS / 20);
    expect(clean).toBeGreaterThan(ITERATIONS / 10);
  });
});
