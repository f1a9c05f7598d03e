import { constants, type Http2Stream } from 'node:http2';

/**
 * Ends a stream because its tunnel is going away, with an error its consumer can act on.
 *
 * It first closes the stream with CANCEL (what Node itself does when the socket closes) and
 * only then destroys it with the error, which then sends nothing more. Destroying straight
 * away with an error sends an INTERNAL_ERROR reset into a session whose socket may already be
 * gone, and on Node 20 that raced with a half-received DATA frame into a use-after-free inside
 * nghttp2 (valgrind: nghttp2_session_on_data_received reading a stream freed by
 * SubmitRstStream) and crashed the process about once in a hundred reconnects.
 */
export function abortStream(stream: Http2Stream, err: Error): void {
  if (stream.destroyed) return;
  if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  stream.destroy(err);
}
