package node

import (
	"context"
	"fmt"

	"hulian/internal/node/nodestore"
	"hulian/internal/storage"
)

// Backup copies the node's database to path while the node serves (O-5:
// important data is backed up) and records the copy in the node's events,
// so that inspections and staff see when the last one was made. The copy
// keeps sensitive fields encrypted and keys sealed; restoring it needs the
// same key-encryption key, kept apart from it.
func (n *Node) Backup(ctx context.Context, path string) (*storage.Backup, error) {
	b, err := n.DB.Backup(ctx, path)
	if err != nil {
		return nil, err
	}
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		return tx.Record(ctx, nodestore.EventBackupMade, fmt.Sprintf("path=%s bytes=%d schema=%d", b.Path, b.Bytes, b.Schema))
	})
	return b, err
}
