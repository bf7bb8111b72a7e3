package supply

import (
	"context"

	"hulian/internal/node/colstore"
	"hulian/internal/node/nodestore"
)

// Storage is how the node keeps one version of a dataset: in its database
// (the column store's chunks, or the rows of a version imported before
// it) and, when loaded to answer, in memory.
type Storage struct {
	Version int
	Store   string // nodestore.StoreColumns, or StoreRows for a version imported before the column store
	Chunks  int
	Bytes   int64         // the chunks' bytes in the database
	Parts   []StoragePart // the exIDs, then each column in the version's order
	// Loaded says the version is in memory to answer, and Memory what it
	// takes there (its exIDs and columns; indexes of orders are apart).
	Loaded bool
	Memory int64
}

// StoragePart is the exIDs' or one column's share of a version's chunks.
type StoragePart struct {
	Column string // "" for the exIDs
	Chunks int
	Bytes  int64
	Sealed bool // kept sealed under the column's own key (a sensitive field)
}

// DatasetStorage returns how each version of dataset name is kept, by
// version number.
func (n *Side) DatasetStorage(ctx context.Context, name string) (map[int]*Storage, error) {
	if err := CheckDatasetName(name); err != nil {
		return nil, err
	}
	out := map[int]*Storage{}
	ids := map[int]int64{}
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		vs, err := tx.DatasetVersions(ctx, name)
		if err != nil {
			return err
		}
		for _, v := range vs {
			s := &Storage{Version: v.Version, Store: v.Store}
			out[v.Version], ids[v.Version] = s, v.ID
			if v.Store != nodestore.StoreColumns {
				continue
			}
			keys, err := tx.FieldKeys(ctx, v.ID)
			if err != nil {
				return err
			}
			sealed := map[string]bool{}
			for _, k := range keys {
				sealed[k.Column] = true
			}
			idSize, colSizes, err := colstore.PartSizes(ctx, tx, v)
			if err != nil {
				return err
			}
			s.Parts = append(s.Parts, StoragePart{Chunks: idSize.Chunks, Bytes: idSize.Bytes})
			for i, c := range v.Columns {
				p := colSizes[i]
				s.Parts = append(s.Parts, StoragePart{Column: c, Chunks: p.Chunks, Bytes: p.Bytes, Sealed: sealed[c]})
			}
			for _, p := range s.Parts {
				s.Chunks += p.Chunks
				s.Bytes += p.Bytes
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n.cache.mu.Lock()
	defer n.cache.mu.Unlock()
	for v, s := range out {
		if d, ok := n.cache.datasets[ids[v]]; ok {
			s.Loaded, s.Memory = true, int64(d.Bytes())
		}
	}
	return out, nil
}
