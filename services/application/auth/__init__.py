"""Who may do what: signed bearer tokens, API keys, roles and one policy for every route.

- tokens.py: signed, expiring bearer tokens (JWT, HS256, by PyJWT) and the signing key.
- apikeys.py: API keys for emitting services, kept as events (only a hash is stored).
- principals.py: the roles and the `Principal` a request acts as.
- policy.py: the table of every route (method + path template) to the roles allowed and
  the scope each role is held to; a route missing from it is denied.
- ratelimit.py: the per-principal rate limiter; scrutiny.py: recording scrutineers' reads;
  revocation.py: revoked tokens.
- services/api/auth.py: the one dependency every router is included with (authenticate,
  rate-limit, authorize, record); services/cli/auth.py: `lif token` and `lif apikey`.
"""
