export { AuthService, VERSION, type OpenOptions } from './service';
export { AuthError, isAuthError, type AuthErrorCode } from './errors';
export type { Caller, UserCaller, AdminCaller, HostCaller } from './caller';
export { readAdminIdentity, adminIdentityPath, adminIdentitySchema, type AdminIdentityFile } from './bootstrap/admin-identity';
export { LoginRateLimiter } from './login/rate-limiter';
export { hashPassword, verifyPassword } from './login/password';
export { checkTotp, newTotpSecret } from './login/totp';
export type { HostIdentityMaterial } from './hosts/local-host-identity';
