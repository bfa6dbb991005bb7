/** The server answered something that is not HTTP/1.1 (garbage, a head over the limit, broken framing). */
export class Http1ProtocolError extends Error {
  override name = "Http1ProtocolError";
}

/**
 * The connection failed before any byte of a response arrived (refused, reset, closed). `sent`
 * says whether any byte of the request was handed to the socket: then the server may have seen it.
 */
export class Http1ConnectionError extends Error {
  override name = "Http1ConnectionError";
  constructor(message: string, readonly sent: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
}
