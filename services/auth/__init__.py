"""Who may do what: signed bearer tokens, API keys, roles and one policy for every route.

- tokens.py: HMAC-SHA256 signed, expiring compact tokens (JWT, HS256) and the signing key.
- apikeys.py: API keys for emitting services, kept as events (only a hash is stored).
- principals.py: the roles and the `Principal` a request acts as.
- policy.py: the table of every route (method + path template) to the roles allowed and
  the scope each role is held to; a route missing from it is denied.
- deps.py: the one dependency every router is included with; rate limiting; recording
  scrutineers' reads.
"""
