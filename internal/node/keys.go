package node

import (
	"context"
	"errors"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/nodestore"
)

// loadKeys returns the node's keys, generating and storing them on first
// start. Both keys are written in one transaction; if another process
// starting on the same database wins the race, its keys are used.
// New keys are sealed under s; stored ones open under the sealer of the
// construction they were sealed with (sealerFor), so a node that changes
// its cryptography profile keeps its keys.
// A new node's signing key is of algorithm alg (the profile's); a node
// keeps the signing key it has.
func loadKeys(ctx context.Context, db *nodestore.DB, s keyring.Sealer, sealerFor func(alg string) (keyring.Sealer, error), alg string) (keys *nodekey.Keys, created bool, err error) {
	for attempt := 0; attempt < 2; attempt++ {
		var x, e *nodestore.SealedKey
		err := db.Read(ctx, func(tx *nodestore.Tx) error {
			x, err = active(ctx, tx, nodekey.PurposeX25519)
			if err != nil {
				return err
			}
			e = nil // a retried read starts again
			for _, p := range nodekey.SigningPurposes {
				if e == nil {
					if e, err = active(ctx, tx, p); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
		switch {
		case x != nil && e != nil:
			if x.Sealer != s.Algorithm() {
				if s, err = sealerFor(x.Sealer); err != nil {
					return nil, false, err
				}
			}
			k, err := openKeys(s, x, e)
			return k, false, err
		case x != nil || e != nil:
			return nil, false, errs.New(errs.FailedPrecondition, "db", "节点数据库中只有一把密钥，数据库可能已损坏", "the node database holds only one of its two keys; it may be damaged")
		}
		k, err := generate(ctx, db, s, alg)
		if errs.Is(err, errs.Conflict) {
			continue // another process stored its keys first
		}
		return k, err == nil, err
	}
	return nil, false, errors.New("node keys: could not settle which keys to use")
}

func active(ctx context.Context, tx *nodestore.Tx, purpose string) (*nodestore.SealedKey, error) {
	k, err := tx.ActiveKey(ctx, purpose)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	return k, err
}

func openKeys(s keyring.Sealer, x, e *nodestore.SealedKey) (*nodekey.Keys, error) {
	for _, k := range []*nodestore.SealedKey{x, e} {
		if k.Sealer != s.Algorithm() || k.KEKID != s.KeyID() {
			return nil, errs.New(errs.FailedPrecondition, "--kek-file",
				"节点密钥由另一把密钥加密密钥（标识 "+k.KEKID+"）加密，请提供原来的 HULIAN_NODE_KEK 或 --kek-file",
				"the node's keys were sealed under another key-encryption key (ID "+k.KEKID+"); give the original HULIAN_NODE_KEK or --kek-file")
		}
	}
	keys, err := nodekey.OpenKeys(s, x.Public, x.Sealed, e.Purpose, e.Public, e.Sealed)
	if err != nil {
		return nil, &errs.Error{Kind: errs.FailedPrecondition, Field: "db", Err: err,
			Reason: i18n.T("节点密钥无法解密或与公钥不符，数据库可能已被篡改", "the node's keys do not open or do not match their public keys; the database may have been tampered with")}
	}
	return keys, nil
}

func generate(ctx context.Context, db *nodestore.DB, s keyring.Sealer, alg string) (*nodekey.Keys, error) {
	k, err := nodekey.Generate(alg)
	if err != nil {
		return nil, err
	}
	var rows []*nodestore.SealedKey
	for _, purpose := range []string{nodekey.PurposeX25519, k.SigningPurpose()} {
		pub, sealed, err := k.SealPrivate(s, purpose)
		if err != nil {
			return nil, err
		}
		rows = append(rows, &nodestore.SealedKey{ID: auth.NewID("key_"), Purpose: purpose, Public: pub, Sealed: sealed, Sealer: s.Algorithm(), KEKID: s.KeyID()})
	}
	err = db.Transact(ctx, func(tx *nodestore.Tx) error {
		for _, r := range rows {
			if err := tx.InsertKey(ctx, r); err != nil {
				return err
			}
		}
		return tx.Record(ctx, nodestore.EventKeysGenerated, "x25519="+nodekey.Encode(rows[0].Public)+" "+rows[1].Purpose+"="+nodekey.Encode(rows[1].Public)+" kek="+s.KeyID())
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}
