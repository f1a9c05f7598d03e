import { describe, expect, it } from 'vitest';
import { MessageBoundaryTracker } from '../../src/index';
import { everySplit, hex } from '@postern/testing/bytes';
import { backend } from './samples';

describe('MessageBoundaryTracker', () => {
  const stream = Buffer.concat([backend.parameterStatus, backend.dataRow, backend.readyForQuery]);
  const ends = new Set([0, backend.parameterStatus.length, backend.parameterStatus.length + backend.dataRow.length, stream.length]);

  it('is at a boundary exactly where messages end, however the bytes arrive', () => {
    for (const [head, tail] of everySplit(stream)) {
      const tracker = new MessageBoundaryTracker();
      tracker.push(head);
      expect(tracker.atBoundary, `after ${head.length} bytes`).toBe(ends.has(head.length));
      tracker.push(tail);
      expect(tracker.atBoundary).toBe(true);
    }
  });

  it('follows a large DataRow without a cap', () => {
    const tracker = new MessageBoundaryTracker();
    tracker.push(hex('44 40000000')); // a 1 GiB message
    tracker.push(Buffer.alloc(1000));
    expect(tracker.atBoundary).toBe(false);
  });

  it('gives up for good on a length below 4', () => {
    const tracker = new MessageBoundaryTracker();
    tracker.push(hex('5a 00000002'));
    tracker.push(backend.readyForQuery);
    expect(tracker.atBoundary).toBe(false);
  });
});
