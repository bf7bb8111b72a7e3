package platform_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/sig"
	"hulian/internal/storage/storagetest"
)

// TestCryptoProfile: a platform deployed with the 国密 profile seals its
// keys with SM4-GCM and signs its log with SM2 (SM3), its checkpoints
// verifying under the SM2 key; the profile is fixed at the first start —
// asking for another later is refused, giving none keeps it. A default
// platform signs with Ed25519 as before.
func TestCryptoProfile(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		kek := keyring.NewKEKText()
		open := func(profile string) (*server.Main, error) {
			return server.Open(ctx, server.Config{Listen: "127.0.0.1:0", DB: dsn, KEKEnv: kek, Crypto: profile, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		}
		m, err := open("gm")
		if err != nil {
			t.Fatal(err)
		}
		if m.Platform.Profile() != keyring.ProfileGM || m.Platform.Sealer().Algorithm() != keyring.AlgSM4GCM {
			t.Fatalf("profile %q sealer %q", m.Platform.Profile(), m.Platform.Sealer().Algorithm())
		}
		vkey, err := m.Log.VerifierKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if alg, err := sig.NoteAlgOf(vkey); err != nil || alg != sig.SM2 {
			t.Fatalf("the log key %q is %q, %v", vkey, alg, err)
		}
		cp, err := m.Log.Checkpoint(auth.WithActor(ctx, auth.System))
		if err != nil {
			t.Fatal(err)
		}
		if c, err := bizlog.OpenCheckpoint(cp.Note, vkey); err != nil || c.Size != cp.Size {
			t.Fatalf("an SM2 checkpoint: %+v %v", c, err)
		}
		m.Close()

		if _, err := open("default"); !errs.Is(err, errs.Invalid) {
			t.Errorf("the profile changed: %v", err)
		}
		m, err = open("")
		if err != nil {
			t.Fatal(err)
		}
		if m.Platform.Profile() != keyring.ProfileGM {
			t.Errorf("reopened without --crypto: %q", m.Platform.Profile())
		}
		// A complaint's evidence is hashed with SM3 and the log's field
		// says so; its code is found by its SM3 digest, and a code given
		// before codes were hashed with SM3 still shows its complaint.
		rc, err := m.Complaints.File(ctx, complaints.Filing{Kind: "privacy", Complainant: "张三", Contact: "zhangsan@example.com", Concerns: "ord_x",
			Description: "我的手机号未经同意被用于配送", Files: []complaints.File{{Name: "说明.txt", Data: []byte("短信内容说明")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Complaints.Status(ctx, rc.ID, rc.Code); err != nil {
			t.Errorf("status by the code: %v", err)
		}
		system := auth.WithActor(ctx, auth.System)
		err = m.DB.Transact(system, func(tx *store.Tx) error {
			es, err := tx.LogEntries(system, store.LogFilter{Kind: complaints.KindFiled, Limit: 1})
			if err != nil || len(es) != 1 || !strings.Contains(string(es[0].Payload), `"evidence_sm3"`) {
				return fmt.Errorf("the filing's entry: %v %v", es, err)
			}
			ev, err := tx.EvidenceOf(system, rc.ID, false)
			if err != nil || len(ev) != 1 || ev[0].Hash != digest.SM3 {
				return fmt.Errorf("the evidence: %+v %v", ev, err)
			}
			old := sha256.Sum256([]byte("OLDCODE"))
			return tx.InsertComplaint(system, &store.Complaint{ID: "cpl_old", CodeDigest: hex.EncodeToString(old[:]), Kind: "privacy", Complainant: "李四",
				Contact: "lisi@example.com", Concerns: "ord_y", Description: "旧投诉", Status: complaints.Received, Filed: tx.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		if cp, err := m.Complaints.Status(ctx, "cpl_old", "oldcode"); err != nil || cp.ID != "cpl_old" {
			t.Errorf("a code hashed before SM3: %v", err)
		}
		m.Close()
	})
	// The default profile, as ever.
	ctx := context.Background()
	m, err := server.Open(ctx, server.Config{Listen: "127.0.0.1:0", DB: storagetest.DSN(t, "sqlite"), KEKEnv: keyring.NewKEKText(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	vkey, err := m.Log.VerifierKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if alg, _ := sig.NoteAlgOf(vkey); alg != sig.Ed25519 || m.Platform.Profile() != keyring.ProfileDefault {
		t.Errorf("a default platform: %q %q", alg, m.Platform.Profile())
	}
}
