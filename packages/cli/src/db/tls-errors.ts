// OpenSSL's messages name source files and error numbers; a person at psql wants to know
// which side refused what. The raw reason stays in brackets for whoever searches for it.

const UNTRUSTED_SERVER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

export function describeTlsError(err: Error): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e.code ?? '';
  // OpenSSL errors carry the short reason separately ("tlsv1 alert unknown ca").
  // A connection tried on several addresses fails with an AggregateError, whose message is empty.
  const reason = e.reason ?? (e.message.split('\n')[0]!.trim() || code);
  if (UNTRUSTED_SERVER.has(code)) return `its certificate is not signed by the cluster's Host CA (${reason})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `its certificate is for another host (${reason})`;
  if (code === 'CERT_HAS_EXPIRED') return `its certificate has expired (${reason})`;
  if (/alert (unknown ca|bad certificate|certificate (unknown|required|expired|revoked)|access denied)/.test(reason)) {
    return `it did not accept the database certificate (${reason})`;
  }
  return reason;
}
