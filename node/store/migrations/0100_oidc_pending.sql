-- Sign-ins with OpenID Connect under way: kept in the database, not in one process's memory,
-- so the callback may reach any worker of the node (or the node after a restart).
CREATE TABLE oidc_pending (
    state_hash TEXT PRIMARY KEY,  -- SHA-256 of the `state` sent to the provider
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,  -- the PKCE verifier
    browser TEXT NOT NULL,  -- the browser cookie the sign-in is bound to
    created_at INTEGER NOT NULL  -- seconds since the epoch, from the node's clock
);
CREATE INDEX oidc_pending_created ON oidc_pending (created_at);
