import { pingResponse } from '@postern/api';
import { z } from 'zod';

// Addresses are parsed in @postern/api/client-files, which the web UI's bundle shares.
export { DEFAULT_MYSQL_PORT, DEFAULT_PROXY_PORT, databaseAddress, parseHostPort, type HostPort } from '@postern/api/client-files';

/**
 * /ping as this CLI reads it. `mysql_public_addr` is optional: an Auth Service without a
 * proxy in its process does not send it, and clients then use the proxy's host.
 */
export const pingForDb = pingResponse.extend({ mysql_public_addr: z.string().optional() });
export type PingForDb = z.infer<typeof pingForDb>;
