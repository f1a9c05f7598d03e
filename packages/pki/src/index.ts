export { PkiError, isPkiError } from './errors';
export type { PkiErrorCode } from './errors';
export type {
  CaType,
  CertAuthority,
  DatabaseRoute,
  DbProtocol,
  HostIdentity,
  HostRole,
  KeyPair,
  UserIdentity,
  VerifyOptions,
} from './types';
export { generateKeyPair } from './keys';
export { createCsr, parseCsr, MAX_CSR_BYTES } from './csr';
export type { ParsedCsr } from './csr';
export { createCertAuthority, caCommonName } from './authority';
export { signUserCertificate, signHostCertificate, signDbClientCertificate, signDbServerCertificate } from './sign';
export type { UserCertificateRequest, HostCertificateRequest } from './sign';
export { verifyUserCertificate, verifyHostCertificate, DEFAULT_CLOCK_SKEW_MS } from './verify';
export type { RouteRequirement } from './verify';
export { certificateFingerprint, certificateExpiry } from './inspect';
export { IDENTITY_EXTENSION_OID, canonicalJson } from './identity';
export { loadOrCreateMasterKey, sealSecret, openSecret, MASTER_KEY_BYTES } from './master-key';
export { VerifiedCertificates } from './verified-certificates';
