package platform_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/platform/server"
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
