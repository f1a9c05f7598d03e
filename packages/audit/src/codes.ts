// Event codes follow Teleport's (lib/events/codes.go) wherever Teleport has the same
// event, so that people and tools that know Teleport's audit log can read ours.
// Suffix: I = info (success), W = warning, E = error (failure).

export interface EventCodes {
  readonly success: string;
  readonly failure?: string;
}

const CODES = {
  'user.login': { success: 'T1000I', failure: 'T1000W' }, // local; SSO logins use SSO_LOGIN_CODES
  'user.create': { success: 'T1002I' },
  'user.update': { success: 'T1003I' },
  'user.delete': { success: 'T1004I' },
  'role.created': { success: 'T9000I' },
  'role.deleted': { success: 'T9001I' },
  'oidc.created': { success: 'T8100I' },
  'oidc.deleted': { success: 'T8101I' },
  'saml.created': { success: 'T8200I' },
  'saml.deleted': { success: 'T8201I' },
  'join_token.create': { success: 'TJT00I' },
  'instance.join': { success: 'TJ002I', failure: 'TJ002E' },
  // TPN001I is Postern's own: Teleport has no event for removing an agent.
  'agent.delete': { success: 'TPN001I' },
  // TC000W is Postern's own: Teleport does not audit refused certificate requests.
  'cert.create': { success: 'TC000I', failure: 'TC000W' },
  'db.session.start': { success: 'TDB00I', failure: 'TDB00W' },
  'db.session.end': { success: 'TDB01I' },
  'db.session.query': { success: 'TDB02I', failure: 'TDB02W' },
  'db.session.mysql.init_db': { success: 'TMY07I' },
} as const satisfies Record<string, EventCodes>;

export type CodedEventName = keyof typeof CODES;

/** Success and failure codes per event name. Frozen: the codes are a public contract. */
export const EVENT_CODES: Readonly<Record<CodedEventName, EventCodes>> = Object.freeze(
  Object.fromEntries(Object.entries(CODES).map(([name, codes]) => [name, Object.freeze({ ...codes })])) as Record<
    CodedEventName,
    EventCodes
  >,
);

/** Teleport gives SSO logins their own codes (T1001I/W); Postern keeps that distinction. */
export const SSO_LOGIN_CODES: EventCodes = Object.freeze({ success: 'T1001I', failure: 'T1001W' });

/**
 * The code an event must carry, or undefined when the event has no failure form (a user
 * that failed to be created is not a `user.create` event: nothing was created).
 */
export function codeFor(event: CodedEventName, success: boolean, method?: string): string | undefined {
  const codes: EventCodes =
    event === 'user.login' && method !== undefined && method !== 'local' ? SSO_LOGIN_CODES : EVENT_CODES[event];
  return success ? codes.success : codes.failure;
}
