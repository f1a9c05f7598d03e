import type { AuthService } from '@postern/auth';

/**
 * The Auth Service is opened by server/start.ts, outside Next's bundles, and handed over
 * through globalThis: route handlers are compiled separately and would otherwise get a
 * second copy of every module (and a second PGlite, which cannot share its data dir).
 */
const KEY = Symbol.for('postern.authService');

export function setAuthService(service: AuthService | undefined): void {
  (globalThis as Record<symbol, unknown>)[KEY] = service;
}

export function authService(): AuthService {
  const service = (globalThis as Record<symbol, unknown>)[KEY] as AuthService | undefined;
  if (!service) throw new Error('the Auth Service is not running in this process: start the web app with `postern start`');
  return service;
}
