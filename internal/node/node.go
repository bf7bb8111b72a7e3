// Package node is the core of a member's own server (成员节点): it keeps
// the member's keys and data at home and talks to the platform with
// requests signed by its registered key. The core holds the node's store,
// its two key pairs, its settings and declared storage region, onboarding
// steps 3 (account opening: the node's public keys registered) and 4
// (integration test: a request the node signs is accepted by the
// platform), and the answer endpoint with the platform's pinned key. The
// supplier's and the demander's sides are built over it in packages
// supply and demand.
package node

import (
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/peerkey"
	"hulian/internal/sig"
	"hulian/internal/storage/sqlite"
)

// Platform is what the node asks of the exchange platform. The node's
// requests are signed with its Ed25519 key (package reqsign); registering
// the keys in the first place uses a member's API token instead, since the
// platform does not know the node's key before that.
type Platform interface {
	// Stage returns the member's onboarding stage and the public keys the
	// platform has registered for it, asked by a node-signed request.
	Stage(ctx context.Context) (member.Stage, member.Keys, error)
	// RegisterNodeKeys registers k for the member with an API token of one
	// of its staff (step 3, 账户开通).
	RegisterNodeKeys(ctx context.Context, token string, k member.Keys) (member.Stage, error)
	// CompleteIntegration sends the node-signed integration request (step
	// 4, 接入联调).
	CompleteIntegration(ctx context.Context) (member.Stage, error)
}

// PlatformFunc makes the platform client for a node: its base URL, the
// member it acts for and the key it signs with.
type PlatformFunc func(baseURL, memberID string, key crypto.Signer) Platform

// Config is a node's configuration.
type Config struct {
	DB      string // database URL, sqlite://… or postgres://…
	KEKEnv  string // HULIAN_NODE_KEK, base64
	KEKFile string // --kek-file
	// MemberID and PlatformURL, when set, replace what the node stored
	// before; when empty, the stored values are used.
	MemberID    string
	PlatformURL string
	// InsecureHTTP accepts an http:// platform URL on the internet
	// (--insecure-http); the node warns about it at every start.
	InsecureHTTP bool
	// Region, when set, declares where the node stores its data (an ISO
	// 3166-2 code, --region); when empty, the stored value is used. The
	// member's application gives the default (O-6).
	Region string
	// Crypto, when set, is the cryptography profile (--crypto): "default"
	// for AES-256-GCM at rest, "gm" for SM4-GCM (the 国密 profile); when
	// empty, the stored one is used (the default on a new node).
	Crypto string
	Logger *slog.Logger
	Now    func() time.Time
	// NewPlatform builds the platform client (platformclient.New in
	// production). Without it the node works offline: keys and console
	// only.
	NewPlatform PlatformFunc
}

// Node is an open member node.
type Node struct {
	DB          *nodestore.DB
	Keys        *nodekey.Keys
	logger      *slog.Logger
	now         func() time.Time
	memberID    string
	platformURL string
	platform    Platform // nil until member and platform are known
	newPlatform PlatformFunc
	region      string   // declared storage region, "" if never declared
	closers     []func() // the sides' caches, released on Close
	peerKeys    peerkey.Newest
	// verifiedReceipts are the peer key receipts CheckPeerKey verified.
	verifiedReceipts receiptCache
	profile          string         // the cryptography profile (keyring.ProfileDefault or ProfileGM)
	sealer           keyring.Sealer // seals new keys under the KEK, by the profile
	kek              []byte         // opens what an earlier profile sealed
}

// CryptoProfile is the node's cryptography profile.
func (n *Node) CryptoProfile() string { return n.profile }

// Digest is the hash that goes with the node's signing key — SM3 for an SM2
// key — for what it signs and for the order keys it agrees with its peers.
func (n *Node) Digest() digest.Alg { return digest.ForSigner(sig.AlgOfKey(n.Keys.Signer)) }

// Sealer seals new secrets at rest under the node's key-encryption key,
// with the profile's construction.
func (n *Node) Sealer() keyring.Sealer { return n.sealer }

// SealerFor returns the sealer of construction alg under the node's KEK,
// for secrets sealed before the profile changed.
func (n *Node) SealerFor(alg string) (keyring.Sealer, error) {
	if alg == n.sealer.Algorithm() {
		return n.sealer, nil
	}
	return keyring.ForAlgorithm(alg, n.kek)
}

// Open opens the node's database (applying migrations), loads its
// key-encryption key and its keys, generating them on first start, and
// settles which member and platform it serves.
func Open(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := nodestore.CheckURL(cfg.DB); err != nil {
		return nil, err
	}
	if cfg.MemberID != "" {
		if err := CheckMemberID("--member", cfg.MemberID); err != nil {
			return nil, err
		}
	}
	if cfg.PlatformURL != "" {
		u, err := CheckPlatformURL("--platform", cfg.PlatformURL, cfg.InsecureHTTP)
		if err != nil {
			return nil, err
		}
		cfg.PlatformURL = u
	}
	src := keyring.KEKSource{EnvName: nodekey.EnvKEK, Env: cfg.KEKEnv, File: cfg.KEKFile}
	if strings.HasPrefix(cfg.DB, "sqlite:") {
		path, err := sqlite.Path(cfg.DB)
		if err != nil {
			return nil, errs.Invalidf("--db", "SQLite 数据库地址缺少文件路径", "the SQLite database URL has no file path")
		}
		src.Beside = path
	}
	kek, err := keyring.LoadKEK(src)
	if err != nil {
		return nil, err
	}
	switch {
	case kek.Generated:
		cfg.Logger.Warn("generated a key-encryption key beside the database; keep a copy elsewhere and prefer HULIAN_NODE_KEK or --kek-file in production", "file", kek.Origin)
	case kek.Loose:
		cfg.Logger.Warn("the key-encryption key file is readable by other users; chmod 600 it", "file", kek.Origin)
	}
	if path, loose := sqlite.Loose(cfg.DB); loose {
		cfg.Logger.Warn("the database file is readable by other users; chmod 600 it and its -wal and -shm files", "file", path)
	}
	if strings.TrimSpace(cfg.Crypto) != "" {
		if _, err := keyring.ParseProfile("--crypto", cfg.Crypto); err != nil {
			return nil, err
		}
	}
	db, err := nodestore.Open(ctx, cfg.DB, nodestore.Options{Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	profile, err := settleProfile(ctx, db, cfg.Crypto)
	if err != nil {
		db.Close()
		return nil, err
	}
	sealer, err := keyring.ForAlgorithm(keyring.SealerOf(profile), kek.Key)
	if err != nil {
		db.Close()
		return nil, err
	}
	n := &Node{DB: db, logger: cfg.Logger, now: cfg.Now, newPlatform: cfg.NewPlatform, profile: profile, sealer: sealer, kek: kek.Key}
	keys, created, err := loadKeys(ctx, db, sealer, n.SealerFor, sig.AlgFor(profile))
	if err != nil {
		db.Close()
		return nil, err
	}
	n.Keys = keys
	if created {
		cfg.Logger.Info("generated the node's keys", "x25519", nodekey.Encode(keys.Public().X25519), sig.AlgOfKey(keys.Signer), nodekey.Encode(keys.Public().Signing))
	}
	if err := n.settle(ctx, cfg.MemberID, cfg.PlatformURL); err != nil {
		db.Close()
		return nil, err
	}
	if u, err := url.Parse(n.platformURL); err == nil && u.Scheme == "http" && !netguard.PlainHTTPAllowed(u.Hostname()) {
		cfg.Logger.Warn("the platform is reached over plain HTTP across the network: its answers and this node's signed requests can be read and altered on the way; use https://", "platform", n.platformURL)
	}
	if err := n.settleRegion(ctx, cfg.Region); err != nil {
		db.Close()
		return nil, err
	}
	return n, nil
}

// settleProfile stores the cryptography profile given now and returns the
// one in force: a node keeps the profile it was deployed with, so that
// every command run on it seals alike without repeating --crypto.
func settleProfile(ctx context.Context, db *nodestore.DB, given string) (string, error) {
	var profile string
	err := db.Transact(ctx, func(tx *nodestore.Tx) error {
		if strings.TrimSpace(given) != "" {
			p, err := keyring.ParseProfile("--crypto", given)
			if err != nil {
				return err
			}
			old, err := tx.Setting(ctx, nodestore.SettingCryptoProfile)
			if err != nil {
				return err
			}
			if old != p {
				if err := tx.SetSetting(ctx, nodestore.SettingCryptoProfile, p); err != nil {
					return err
				}
				if err := tx.Record(ctx, nodestore.EventCryptoProfile, "profile="+p); err != nil {
					return err
				}
			}
		}
		stored, err := tx.Setting(ctx, nodestore.SettingCryptoProfile)
		if err != nil {
			return err
		}
		profile, err = keyring.ParseProfile("crypto_profile", stored)
		return err
	})
	return profile, err
}

// settle stores the member and platform given now and reads back what is
// in force, so later commands need not repeat them.
func (n *Node) settle(ctx context.Context, memberID, platformURL string) error {
	err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		for _, s := range []struct{ name, value string }{{nodestore.SettingMemberID, memberID}, {nodestore.SettingPlatformURL, platformURL}} {
			if s.value == "" {
				continue
			}
			if err := tx.SetSetting(ctx, s.name, s.value); err != nil {
				return err
			}
		}
		var err error
		if n.memberID, err = tx.Setting(ctx, nodestore.SettingMemberID); err != nil {
			return err
		}
		n.platformURL, err = tx.Setting(ctx, nodestore.SettingPlatformURL)
		return err
	})
	if err != nil {
		return err
	}
	if n.memberID != "" && n.platformURL != "" && n.newPlatform != nil {
		n.platform = n.newPlatform(n.platformURL, n.memberID, n.Keys.Signer)
	}
	return nil
}

// OnClose has f run when the node closes, before its database does: the
// supplier's and the demander's sides release their caches with it.
func (n *Node) OnClose(f func()) { n.closers = append(n.closers, f) }

// Close releases the sides' state and closes the node's database.
func (n *Node) Close() error {
	for _, f := range n.closers {
		f()
	}
	return n.DB.Close()
}

// MemberID is the member the node serves, "" if not yet configured.
func (n *Node) MemberID() string { return n.memberID }

// PlatformURL is the platform's base URL, "" if not yet configured.
func (n *Node) PlatformURL() string { return n.platformURL }

// Public returns the node's public keys.
func (n *Node) Public() member.Keys { return n.Keys.Public() }

// Logger returns the node's logger.
func (n *Node) Logger() *slog.Logger { return n.logger }

// CheckMemberID validates a member ID as the platform issues them: "mem_"
// and lower-case base32.
func CheckMemberID(field, id string) error {
	rest, ok := strings.CutPrefix(id, "mem_")
	if !ok || rest == "" || len(id) > 64 || strings.Trim(rest, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return errs.Invalidf(field, "成员编号格式不正确（应形如 mem_…，见平台控制台）", "malformed member ID (it looks like mem_…; see the platform console)")
	}
	return nil
}

// CheckPlatformURL validates the platform's base URL and returns it without
// a trailing slash.
//
// An http:// URL (no TLS) is accepted only for this machine or a private
// network, unless insecure is set (--insecure-http), which the node warns
// about at every start: the node's signed requests and the platform's
// answers would otherwise cross the internet readable and alterable.
func CheckPlatformURL(field, raw string, insecure bool) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errs.Invalidf(field, "平台地址须为 http(s)://主机[:端口][/路径]", "the platform URL must be http(s)://host[:port][/path]")
	}
	if u.Scheme == "http" && !insecure && !netguard.PlainHTTPAllowed(u.Hostname()) {
		return "", errs.Invalidf(field, "公网上的平台地址须使用 https://；确需明文连接时加 --insecure-http（不建议）",
			"a platform URL on the internet must be https://; add --insecure-http if plain HTTP is really meant (not advised)")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// errNotConfigured is returned by operations that need the platform.
func errNotConfigured() error {
	return errs.New(errs.FailedPrecondition, "--platform", "尚未配置平台地址和成员编号（--platform、--member）", "the platform URL and member ID are not configured yet (--platform, --member)")
}

// Status is the node's onboarding state as the platform reports it.
type Status struct {
	Configured bool         // member and platform are known
	Reachable  bool         // the platform answered (perhaps with an error)
	Stage      member.Stage // "" when unknown
	// KeysMatch reports that the platform has exactly this node's keys
	// registered; false with a known stage past "agreed" means another
	// key set is registered for the member.
	KeysMatch bool
	Err       error // why the stage is unknown
	Checked   time.Time
}

// Status asks the platform for the member's onboarding stage. Errors are
// reported in the Status, not returned: an unreachable platform is a state
// to show, not a failure of the node.
func (n *Node) Status(ctx context.Context) Status {
	st := Status{Configured: n.platform != nil, Checked: n.now().UTC()}
	if n.platform == nil {
		st.Err = errNotConfigured()
		return st
	}
	stage, keys, err := n.platform.Stage(ctx)
	if err != nil {
		st.Reachable = errs.KindOf(err) != errs.Unavailable
		st.Err = err
		return st
	}
	pub := n.Public()
	st.Reachable, st.Stage = true, stage
	st.KeysMatch = string(keys.X25519) == string(pub.X25519) && string(keys.Signing) == string(pub.Signing)
	return st
}

// RegisterKeys registers the node's public keys with the platform using a
// member staff API token (onboarding step 3) and returns the new stage.
func (n *Node) RegisterKeys(ctx context.Context, token string) (member.Stage, error) {
	if n.platform == nil {
		return "", errNotConfigured()
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", errs.Invalidf("--token-file", "令牌文件为空", "the token file is empty")
	}
	stage, err := n.platform.RegisterNodeKeys(ctx, token, n.Public())
	if err != nil {
		return "", err
	}
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		return tx.Record(ctx, nodestore.EventKeysRegistered, fmt.Sprintf("member=%s platform=%s stage=%s", n.memberID, n.platformURL, stage))
	})
	return stage, err
}

// Integrate sends the node-signed integration request (onboarding step 4)
// and returns the new stage.
func (n *Node) Integrate(ctx context.Context) (member.Stage, error) {
	if n.platform == nil {
		return "", errNotConfigured()
	}
	stage, err := n.platform.CompleteIntegration(ctx)
	if err != nil {
		return "", err
	}
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		return tx.Record(ctx, nodestore.EventIntegrated, fmt.Sprintf("member=%s platform=%s stage=%s", n.memberID, n.platformURL, stage))
	})
	return stage, err
}

// IntegrateIfOpened runs the integration test when the platform reports
// the member's account opened with this node's keys: what a node does on
// start, so that a member's last onboarding step needs no command. It
// reports whether it integrated.
func (n *Node) IntegrateIfOpened(ctx context.Context) (bool, error) {
	if n.platform == nil {
		return false, nil
	}
	st := n.Status(ctx)
	if st.Err != nil {
		return false, st.Err
	}
	if st.Stage != member.StageOpened || !st.KeysMatch {
		return false, nil
	}
	if _, err := n.Integrate(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// Events returns the node's latest audit-trail entries, newest first.
func (n *Node) Events(ctx context.Context, limit int) ([]nodestore.Event, error) {
	var es []nodestore.Event
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		es, err = tx.Events(ctx, limit)
		return err
	})
	return es, err
}

// Now is the node's clock.
func (n *Node) Now() time.Time { return n.now() }
