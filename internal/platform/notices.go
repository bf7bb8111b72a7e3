package platform

import (
	"context"

	"hulian/internal/platform/store"
)

// Notices lists a member's notices, newest first: the member its own,
// staff any member's. Sanctions, halts and, later, complaints write them.
func (p *Platform) Notices(ctx context.Context, member string) ([]*store.Notice, error) {
	var out []*store.Notice
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.Notices(ctx, member, 200); return err })
	return out, err
}

// MarkNoticesRead marks the member's notices read (the member itself).
func (p *Platform) MarkNoticesRead(ctx context.Context, member string) error {
	return p.DB.Transact(ctx, func(tx *store.Tx) error { return tx.MarkNoticesRead(ctx, member) })
}
