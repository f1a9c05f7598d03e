import type { Http2Session } from 'node:http2';

/**
 * PINGs the peer every intervalMs and calls onDead when one has gone unanswered for two
 * intervals. TCP alone would notice a frozen peer or a silently dropped NAT mapping only after
 * minutes; a database client would hang that long. It is also the only thing that notices
 * when a write to a reset connection fails: Node 20's HTTP/2 session then stops reading while
 * it waits for its next write, which never completes, and reports nothing (seen with
 * NODE_DEBUG_NATIVE=HTTP2SESSION: "write finished with status -104", then silence). One PING
 * is outstanding at a time, so a dead peer cannot make pings pile up. Returns a stop function.
 */
export function startHeartbeat(session: Http2Session, intervalMs: number, onDead: (silentMs: number) => void): () => void {
  let sentAt: number | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || session.destroyed) return;
    const now = Date.now();
    if (sentAt !== undefined) {
      if (now - sentAt >= 2 * intervalMs) {
        stop();
        onDead(now - sentAt);
      }
      return;
    }
    sentAt = now;
    try {
      session.ping((err) => {
        // An error means the session is closing; its own close handling takes over.
        if (!err) sentAt = undefined;
      });
    } catch {
      // ping() throws once the session is destroyed; the close handlers deal with that.
    }
  }, intervalMs);
  // The tunnel's socket keeps the process alive while it is open; the timer must not.
  timer.unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  return stop;
}
