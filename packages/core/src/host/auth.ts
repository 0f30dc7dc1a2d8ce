// Who is calling a host: an authenticator turns a request into a principal (or a refusal), and route classes
// say which principals may reach which routes (the scheduler's identity reaches only wake and sweep).

export type Principal =
  | { kind: 'oidc'; email: string | undefined; subject: string | undefined }
  | { kind: 'hmac'; secretIndex: number }
  /** A host that asked for no authentication (a loopback development server). */
  | { kind: 'anonymous' };

export type AuthVerdict = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Checks one request's credentials; `body` is the raw request body (signatures cover it). */
export type RequestAuthenticator = (request: Request, body: Uint8Array) => Promise<AuthVerdict> | AuthVerdict;

/** Wake and sweep deliveries from a scheduler, and the control API (REST). */
export type RouteClass = 'scheduler' | 'api';
