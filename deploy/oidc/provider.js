// A real OpenID Connect provider for lif's sign-in tests and local development: node's
// certified `oidc-provider`, one confidential client for lif (authorization code, PKCE S256
// required), and a few accounts whose claims give each of lif's four roles. The login and
// consent pages are this script's own (the library's development pages accept any password).
//
// Environment: LIF_OIDC_PORT (19480), LIF_OIDC_CLIENT_ID (lif), LIF_OIDC_CLIENT_SECRET
// (lif-test-secret), LIF_OIDC_PASSWORD (the test accounts' password, lif-test-password).
// Test use only: the accounts and secrets are public.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const host = '127.0.0.1';
const port = Number(process.env.LIF_OIDC_PORT || 19480);
const issuer = `http://${host}:${port}`;
const clientId = process.env.LIF_OIDC_CLIENT_ID || 'lif';
const clientSecret = process.env.LIF_OIDC_CLIENT_SECRET || 'lif-test-secret';
const password = process.env.LIF_OIDC_PASSWORD || 'lif-test-password';

// Claims as Microsoft Entra ID gives them: app roles in `roles`; the agency and forum in
// claims the partnership names (lif's default mapping reads `lif_agency` and `lif_forum`).
const ACCOUNTS = {
  'bu-admin': { name: 'Business Unit Manager', roles: ['lif.admin'] },
  'exec-secretary': { name: 'Executive Forum Secretary', roles: ['lif.secretary'], lif_forum: 'executive' },
  'police-lead': { name: 'Police Safeguarding Lead', roles: ['lif.agency'], lif_agency: 'merseyside-police' },
  scrutineer: { name: 'Independent Scrutineer', roles: ['lif.scrutineer'] },
  'no-role': { name: 'Someone Without A Role', roles: ['other.app.user'] },
};

// A fresh signing key each start: nothing signed by an earlier run verifies.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: randomBytes(8).toString('hex') };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    // `native` lets lif's callback on 127.0.0.1 or localhost use any port (RFC 8252 loopback redirects).
    application_type: 'native',
    redirect_uris: [`http://${host}/sign-in/callback`, 'http://localhost/sign-in/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'roles', 'lif_agency', 'lif_forum'],
    email: ['email', 'email_verified'],
  },
  // The ID token carries the claims of the scopes asked for, as Entra ID's does.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600 },
  async findAccount(_ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: `${id}@example.org`, email: `${id}@example.org`, email_verified: true, ...account };
      },
    };
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, title, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

function loginForm(uid, error) {
  const message = error ? `<p role="alert">${escape(error)}</p>` : '';
  return `${message}<form method="post" action="/interaction/${uid}/login">
<label for="login">Username</label> <input id="login" name="login" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in</button></form>`;
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, 'Wrong interaction', '');
  const { prompt, params, session } = details;
  if (req.method === 'GET') {
    if (prompt.name === 'login') return page(res, 200, 'Sign in', loginForm(uid));
    return page(res, 200, 'Allow lif to know who you are', `<p>${escape(params.client_id)} asks for: ${escape(params.scope)}</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>`);
  }
  const form = await formBody(req);
  if (action === 'login') {
    const login = form.get('login') || '';
    if (!ACCOUNTS[login] || form.get('password') !== password) {
      return page(res, 200, 'Sign in', loginForm(uid, 'Unknown username or wrong password.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return page(res, 404, 'Not found', '');
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm))?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return handle(req, res);
  return interaction(req, res, match[1], match[2]).catch((err) => {
    page(res, 400, 'Sign-in failed', `<p>${escape(err.message)}</p>`);
  });
});
server.listen(port, host, () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
