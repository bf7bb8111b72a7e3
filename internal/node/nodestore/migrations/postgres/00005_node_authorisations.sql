-- +goose Up
-- X-E10 on the demander's node: each subject's query authorisation
-- (数据查询授权协议), keyed by exID. The signed documents stay in the
-- member's systems; the node keeps their SHA-256, the dates and a salt
-- that hides the record in the commitments sent with deliveries. A record
-- is never changed once written, so that a commitment sent under it can
-- be opened in an audit; a newer record replaces it by being newer, and a
-- withdrawal is a revocation time.
CREATE TABLE node_authorisations (
    exid         BYTEA NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    agreement    BYTEA NOT NULL,
    signed_on    TEXT NOT NULL,
    expires_on   TEXT NOT NULL,
    verified_on  TEXT NOT NULL DEFAULT '',
    verification TEXT NOT NULL DEFAULT '',
    salt         BYTEA NOT NULL,
    revoked_at   TIMESTAMPTZ,
    PRIMARY KEY (exid, recorded_at)
);

-- +goose Down
DROP TABLE node_authorisations;
