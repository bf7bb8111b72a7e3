package console

import (
	"context"
	"strings"

	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

// nameBook turns the IDs and actor references a page shows into the names
// people know: organisations by name, accounts by display name. It loads
// lazily, once per page, and falls back to the ID, which templates also
// put in a title for whoever needs it.
type nameBook struct {
	ctx      context.Context
	p        *platform.Platform
	members  map[string]string
	accounts map[string]string
}

func (b *nameBook) member(id string) string {
	if b == nil || id == "" {
		return id
	}
	if b.members == nil {
		b.members = map[string]string{}
		b.p.DB.Read(b.ctx, func(tx *store.Tx) (err error) {
			m, err := tx.MemberNames(b.ctx)
			if err == nil {
				b.members = m
			}
			return err
		})
	}
	if n, ok := b.members[id]; ok {
		return n
	}
	return id
}

func (b *nameBook) account(id string) string {
	if b == nil {
		return id
	}
	if n, ok := b.accounts[id]; ok {
		return n
	}
	if b.accounts == nil {
		b.accounts = map[string]string{}
	}
	b.accounts[id] = id
	b.p.DB.Read(b.ctx, func(tx *store.Tx) error {
		m, err := tx.AccountNames(b.ctx, []string{id})
		if n, ok := m[id]; ok && err == nil {
			b.accounts[id] = n
		}
		return err
	})
	return b.accounts[id]
}

// listing is a listing's title, the ID when it has none or is unknown.
func (b *nameBook) listing(id string) string {
	if b == nil || id == "" {
		return id
	}
	title := id
	b.p.DB.Read(b.ctx, func(tx *store.Tx) error {
		m, err := tx.ListingTitles(b.ctx, []string{id})
		if t, ok := m[id]; ok && err == nil && t != "" {
			title = t
		}
		return err
	})
	return title
}

// ListingTitle is a listing's title.
func (v *view) ListingTitle(id string) string { return v.names.listing(id) }

// Member is the organisation name of a member ID.
func (v *view) Member(id string) string { return v.names.member(id) }

// Who names the actor of a log reference: "account:acc_…" by the
// account's display name, "node:mem_…" as the member's node, "system" as
// the platform itself.
func (v *view) Who(ref string) string {
	switch {
	case strings.HasPrefix(ref, "account:"):
		return v.names.account(strings.TrimPrefix(ref, "account:"))
	case strings.HasPrefix(ref, "node:"):
		return v.names.member(strings.TrimPrefix(ref, "node:")) + messages["who.node"].In(v.Lang)
	case ref == "system":
		return messages["who.system"].In(v.Lang)
	}
	return ref
}
