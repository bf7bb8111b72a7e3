-- +goose Up
-- exID issuance requests by their request ID, so that a client retrying a
-- batch after a lost answer is evaluated again without being metered,
-- charged or logged twice. Kept for a few days (the retry window is minutes):
-- the SHA-256 of the blinded elements (random group elements, which say
-- nothing of the IDs) tells a retry from a different batch reusing the ID.
CREATE TABLE issuance_requests (
    member_id      TEXT NOT NULL,
    request_id     TEXT NOT NULL,
    blinded_sha256 BLOB NOT NULL,
    count          BIGINT NOT NULL,
    epoch          INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (member_id, request_id)
);
CREATE INDEX issuance_requests_created ON issuance_requests (created_at);

-- +goose Down
DROP TABLE issuance_requests;
