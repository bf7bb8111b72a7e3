-- +goose Up
-- The member's automated decision-making (P-4, PIPL Art. 24): each
-- scenario with its basic rules as people should understand them, whether
-- its effect on a person is significant, and the purpose of the notice a
-- person refuses to opt out of its personalisation. Shown in the privacy
-- centre; people ask there for an explanation or for a human to decide.
CREATE TABLE node_decisions (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    rules        TEXT NOT NULL,
    significant  BOOLEAN NOT NULL,
    opt_out      TEXT NOT NULL DEFAULT '', -- a notice purpose code
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT NOT NULL,
    retired_at   TIMESTAMPTZ
);

-- A request about a decision (an explanation, a human review) names it.
ALTER TABLE node_subject_requests ADD COLUMN decision_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE node_subject_requests DROP COLUMN decision_id;
DROP TABLE node_decisions;
