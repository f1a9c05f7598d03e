/** An HTTP answer decided by the web layer itself (size caps, malformed JSON, origin). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
