package platform

import (
	"context"
	"fmt"
	"sync"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/platform/store"
)

// KindReferenceUpdated is the log entry of a new version of reference data.
const KindReferenceUpdated = "reference.updated"

// refs caches the reference data in force; it changes only through
// PutReference, which replaces it after its transaction commits.
type refs struct {
	mu         sync.RWMutex
	taxonomy   *catalog.Taxonomy
	industries *catalog.Industries
}

// Reference is the taxonomy and the industry classification in force.
func (p *Platform) Reference() (*catalog.Taxonomy, *catalog.Industries) {
	p.refs.mu.RLock()
	defer p.refs.mu.RUnlock()
	return p.refs.taxonomy, p.refs.industries
}

// LoadReference loads the reference data in force, storing the embedded
// defaults on a new platform.
func (p *Platform) LoadReference(ctx context.Context) error {
	sys := auth.WithActor(ctx, auth.System)
	var tax, ind []byte
	err := p.DB.Transact(sys, func(tx *store.Tx) error {
		for _, r := range []struct {
			kind string
			def  []byte
			out  *[]byte
		}{{catalog.RefTaxonomy, catalog.DefaultTaxonomy, &tax}, {catalog.RefIndustries, catalog.DefaultIndustries, &ind}} {
			_, body, err := tx.Reference(sys, r.kind)
			if errs.Is(err, errs.NotFound) {
				if err := p.putReference(sys, tx, r.kind, r.def); err != nil {
					return err
				}
				body = r.def
			} else if err != nil {
				return err
			}
			*r.out = body
		}
		return nil
	})
	if err != nil {
		return err
	}
	return p.useReference(tax, ind)
}

func (p *Platform) useReference(tax, ind []byte) error {
	t, err := catalog.ParseTaxonomy(tax)
	if err != nil {
		return fmt.Errorf("taxonomy in force: %w", err)
	}
	in, err := catalog.ParseIndustries(ind)
	if err != nil {
		return fmt.Errorf("industry classification in force: %w", err)
	}
	p.refs.mu.Lock()
	p.refs.taxonomy, p.refs.industries = t, in
	p.refs.mu.Unlock()
	return nil
}

func (p *Platform) putReference(ctx context.Context, tx *store.Tx, kind string, body []byte) error {
	var version string
	switch kind {
	case catalog.RefTaxonomy:
		t, err := catalog.ParseTaxonomy(body)
		if err != nil {
			return err
		}
		version = t.Version
	case catalog.RefIndustries:
		in, err := catalog.ParseIndustries(body)
		if err != nil {
			return err
		}
		version = in.Version
	default:
		return errs.Invalidf("kind", "参考数据类型须为 taxonomy 或 industries", "reference data kind must be taxonomy or industries")
	}
	if err := tx.PutReference(ctx, kind, version, body); err != nil {
		return err
	}
	_, err := tx.Append(ctx, "", KindReferenceUpdated, kind, bizlog.P{"version": version, p.Digest().Name(): bizlog.CommitWith(p.Digest(), body)})
	return err
}

// PutReference installs a new version of the taxonomy or the industry
// classification (operator); it is in force from then on (X-E6).
func (p *Platform) PutReference(ctx context.Context, kind string, body []byte) error {
	if err := auth.Require(ctx, auth.PermCatalogAdmin); err != nil {
		return err
	}
	err := p.DB.Transact(ctx, func(tx *store.Tx) error { return p.putReference(ctx, tx, kind, body) })
	if err != nil {
		return err
	}
	return p.LoadReference(ctx)
}

// Taxonomy returns the tag taxonomy in force.
func (p *Platform) Taxonomy() *catalog.Taxonomy { t, _ := p.Reference(); return t }

// Industries returns the industry classification in force.
func (p *Platform) Industries() *catalog.Industries { _, i := p.Reference(); return i }
