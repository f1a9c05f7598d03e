/**
 * An audit record should show a value, not hold a copy of a 50 MiB blob: longer values
 * are cut to this many characters and say how long they were (as @postern/postgres does).
 */
export const MAX_PARAMETER_TEXT = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Character data: UTF-8 (invalid sequences become U+FFFD), cut at MAX_PARAMETER_TEXT characters. */
export function describeText(value: Buffer, totalBytes = value.length): string {
  // Cut in bytes first, so a huge value is never decoded whole.
  const head = value.length > MAX_PARAMETER_TEXT * 4 ? value.subarray(0, MAX_PARAMETER_TEXT * 4) : value;
  const text = head.toString('utf8');
  return text.length > MAX_PARAMETER_TEXT || head.length < totalBytes ? truncated(text.slice(0, MAX_PARAMETER_TEXT), totalBytes) : text;
}

/** Bytes with no character set: hex as `\x0001ff`, the form @postern/postgres uses for bytea. */
export function describeHex(value: Buffer, totalBytes = value.length): string {
  const maxBytes = (MAX_PARAMETER_TEXT - 2) / 2;
  if (value.length <= maxBytes && value.length === totalBytes) return `\\x${value.toString('hex')}`;
  return truncated(`\\x${value.subarray(0, maxBytes).toString('hex')}`, totalBytes);
}

/**
 * A BLOB parameter: drivers send strings as blobs too (mysql2 binds a Buffer and many
 * connectors a long string that way), so text that is valid UTF-8 reads as text.
 */
export function describeBlob(value: Buffer, totalBytes = value.length): string {
  const probe = value.length > MAX_PARAMETER_TEXT * 4 ? trimToCharBoundary(value.subarray(0, MAX_PARAMETER_TEXT * 4)) : value;
  try {
    utf8.decode(probe);
    return describeText(value, totalBytes);
  } catch {
    return describeHex(value, totalBytes);
  }
}

function truncated(text: string, bytes: number): string {
  return `${text}… (${bytes} bytes)`;
}

/** Drops a UTF-8 sequence cut in half at the end, so a valid text's prefix stays valid. */
function trimToCharBoundary(bytes: Buffer): Buffer {
  let end = bytes.length;
  let back = 0;
  while (end > 0 && back < 4 && (bytes[end - 1]! & 0xc0) === 0x80) {
    end--;
    back++;
  }
  if (end > 0 && bytes[end - 1]! >= 0xc0) end--;
  return bytes.subarray(0, end);
}
