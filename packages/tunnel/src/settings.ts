import type { Settings } from 'node:http2';

/**
 * Per-stream window: how much one stalled client can make the other side buffer. 1 MiB keeps
 * a fast stream near line rate on a WAN link while a paused one costs at most this much.
 */
export const STREAM_WINDOW_BYTES = 1024 * 1024;

/**
 * Connection window: Node hands connection-level credit back as soon as bytes arrive (only the
 * stream level waits for the reader), so this bounds bytes in flight, not memory. Larger than
 * the default 64 KiB so many busy streams are not throttled by the connection as a whole.
 */
export const CONNECTION_WINDOW_BYTES = 32 * 1024 * 1024;

/** Worst-case buffered memory is about MAX_STREAMS × STREAM_WINDOW_BYTES; dials beyond it queue. */
export const MAX_STREAMS = 4096;

/** Room for the dial header (MAX_DIAL_HEADER_BYTES) and the pseudo-headers. */
export const MAX_HEADER_LIST_BYTES = 64 * 1024;

/**
 * Node's per-session budget in MB (default 10): stream state, header tables, data queued to
 * send and unacknowledged PINGs. Above it new streams are refused, so it must fit MAX_STREAMS
 * streams' state; received data waiting for a reader is bounded by the windows instead.
 */
export const MAX_SESSION_MEMORY_MB = 64;

export const TUNNEL_SETTINGS: Settings = {
  initialWindowSize: STREAM_WINDOW_BYTES,
  maxConcurrentStreams: MAX_STREAMS,
  maxHeaderListSize: MAX_HEADER_LIST_BYTES,
  // The proxy never wants server push; the agent never sends it.
  enablePush: false,
};

export const DEFAULT_HEARTBEAT_MS = 5000;
export const DEFAULT_TIMEOUT_MS = 10_000;
