export * from './common';
export * from './auth';
export * from './databases';
export * from './hosts';
export * from './admin';
export { signHostRequest, checkHostRequestSignature, HOST_SIGNATURE_SCHEME, HOST_SIGNATURE_MAX_AGE_MS } from './host-signature';
