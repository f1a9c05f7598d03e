/** The proxy's own host identity and the CAs it trusts; it holds no CA key. */
export interface ProxyIdentity {
  hostId: string;
  keyPem: string;
  certPem: string;
  ca: { user: string[]; host: string[] };
}
