// Package issuance is the platform's half of exID generation (DESIGN.md
// step 2): the epoch keys of the VOPRF, sealed at rest under the
// platform's key-encryption key, their rotation, and the metered, logged
// evaluation of members' blinded elements.
package issuance

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/oprf"
)

// Log entry kinds of exID issuance.
const (
	KindExIDIssued     = "exid.issued"
	KindExIDKeyCreated = "exid.key_created"
)

// MaxBatch is the most blinded elements one evaluation request may carry.
const MaxBatch = 10_000

// Limits bound how many exIDs one member can have made: the daily
// limit is metered in the database (shared by all replicas); the rate limit
// is per replica, smoothing bursts before they reach the database.
type Limits struct {
	PerDay    int64   // evaluations per member per business day
	PerSecond float64 // sustained evaluations per second per member
	Burst     int     // at least MaxBatch
}

// DefaultLimits suit a member translating a base of tens of
// millions over a few days while stopping anyone from sweeping the whole
// mobile number space (about 1.9 billion numbers) in any useful time.
var DefaultLimits = Limits{PerDay: 20_000_000, PerSecond: 20_000, Burst: 4 * MaxBatch}

// Issuer evaluates blinded elements with the epoch keys in service. It
// holds their decrypted keys in memory; the database holds them sealed.
type Issuer struct {
	P        *platform.Platform
	Limits   Limits
	PriceFen int64 // charged to the member's quota per evaluated element; 0 is free

	mu       sync.RWMutex
	keys     map[int]*oprf.PrivateKey
	current  int
	limiters map[string]*rate.Limiter
	claims   atomic.Uint64
}

// New returns an Issuer over p with the default limits. Call Init before
// serving.
func New(p *platform.Platform) *Issuer { return &Issuer{P: p, Limits: DefaultLimits} }

func keyAAD(epoch int) []byte { return []byte("hulian/oprf-key/v1/epoch/" + strconv.Itoa(epoch)) }

// Init loads the OPRF keys, creating the first epoch's key on a new
// platform. They are opened with the platform's sealer (platform.UseSealer),
// which must be the one they were sealed with.
func (is *Issuer) Init(ctx context.Context) error {
	var stored []store.OPRFKey
	err := is.P.DB.Read(ctx, func(tx *store.Tx) (err error) { stored, err = tx.OPRFKeys(ctx); return err })
	if err != nil {
		return err
	}
	if len(stored) == 0 {
		_, err := is.RotateKey(auth.WithActor(ctx, auth.System))
		return err
	}
	return is.loadKeys(stored)
}

func (is *Issuer) loadKeys(stored []store.OPRFKey) error {
	keys := map[int]*oprf.PrivateKey{}
	current := 0
	for _, k := range stored {
		if !k.Retired.IsZero() {
			continue
		}
		if k.KEKID != is.P.Sealer().KeyID() {
			return fmt.Errorf("exID key of epoch %d was sealed under key-encryption key %s, not the configured %s", k.Epoch, k.KEKID, is.P.Sealer().KeyID())
		}
		raw, err := is.P.Sealer().Open(k.Sealed, keyAAD(k.Epoch))
		if err != nil {
			return fmt.Errorf("open exID key of epoch %d: %w", k.Epoch, err)
		}
		var sk oprf.PrivateKey
		if err := sk.UnmarshalBinary(raw); err != nil {
			return fmt.Errorf("exID key of epoch %d: %w", k.Epoch, err)
		}
		keys[k.Epoch] = &sk
		current = max(current, k.Epoch)
	}
	is.mu.Lock()
	is.keys, is.current = keys, current
	is.mu.Unlock()
	return nil
}

// RotateKey starts a new epoch with a fresh key (operator). The old
// epochs stay in service so that exIDs made with them can still be matched
// until the operator retires them; members re-translate to the new epoch.
func (is *Issuer) RotateKey(ctx context.Context) (int, error) {
	a := auth.ActorFrom(ctx)
	if a.Name != auth.System.Name {
		if err := auth.Require(ctx, auth.PermKeyRotate); err != nil {
			return 0, err
		}
	}
	if is.P.Sealer() == nil {
		return 0, errs.New(errs.FailedPrecondition, "", "未配置密钥加密密钥", "no key-encryption key is configured")
	}
	sk, err := oprf.GenerateKey(rand.Reader)
	if err != nil {
		return 0, err
	}
	raw, _ := sk.MarshalBinary()
	pub, _ := sk.Public().MarshalBinary()
	var stored []store.OPRFKey
	var epoch int
	err = is.P.DB.Transact(ctx, func(tx *store.Tx) error {
		keys, err := tx.OPRFKeys(ctx)
		if err != nil {
			return err
		}
		epoch = 1
		if len(keys) > 0 {
			epoch = keys[len(keys)-1].Epoch + 1
		}
		if epoch > 255 {
			return errs.New(errs.ResourceExhausted, "epoch", "exID 纪元已用尽（最多 255 个）", "exID epochs are used up (255 at most)")
		}
		sealed, err := is.P.Sealer().Seal(raw, keyAAD(epoch))
		if err != nil {
			return err
		}
		k := store.OPRFKey{Epoch: epoch, Public: pub, Sealed: sealed, Alg: is.P.Sealer().Algorithm(), KEKID: is.P.Sealer().KeyID()}
		if err := tx.InsertOPRFKey(ctx, &k); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, "", KindExIDKeyCreated, strconv.Itoa(epoch), bizlog.P{"epoch": epoch, bizlog.CommitField("public_key", is.P.Digest()): bizlog.CommitWith(is.P.Digest(), pub)}); err != nil {
			return err
		}
		stored, err = tx.OPRFKeys(ctx)
		return err
	})
	if err != nil {
		return 0, err
	}
	return epoch, is.loadKeys(stored)
}

// RequestMemory is how long the platform remembers an issuance request
// ID: far longer than any client keeps retrying (minutes), short enough
// that the table stays small.
const RequestMemory = 72 * time.Hour

// pruneEvery: one request in this many also forgets request IDs older
// than RequestMemory, so that no separate job is needed.
const pruneEvery = 512

// checkRequestID allows what clients make (auth.NewID, UUIDs): up to 64
// printable ASCII characters.
func checkRequestID(id string) error {
	if len(id) > 64 {
		return errs.Invalidf("request_id", "请求编号最长 64 个字符", "a request ID has at most 64 characters")
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return errs.Invalidf("request_id", "请求编号只能含可打印的 ASCII 字符", "a request ID holds printable ASCII characters only")
		}
	}
	return nil
}

// digestBlinded is the SHA-256 of a batch's blinded elements in order.
func digestBlinded(blinded [][]byte) []byte {
	h := sha256.New()
	for _, b := range blinded {
		h.Write(b)
	}
	return h.Sum(nil)
}

// PublicKey is an epoch's published verification key.
type PublicKey struct {
	Epoch   int
	Key     []byte // 32-byte ristretto255 element
	Current bool
}

// PublicKeys lists the keys in service; anyone may fetch them to
// verify evaluations.
func (is *Issuer) PublicKeys() []PublicKey {
	is.mu.RLock()
	defer is.mu.RUnlock()
	var out []PublicKey
	for epoch := 1; epoch <= is.current; epoch++ {
		if k, ok := is.keys[epoch]; ok {
			b, _ := k.Public().MarshalBinary()
			out = append(out, PublicKey{Epoch: epoch, Key: b, Current: epoch == is.current})
		}
	}
	return out
}

func (is *Issuer) limiter(member string) *rate.Limiter {
	is.mu.Lock()
	defer is.mu.Unlock()
	if is.limiters == nil {
		is.limiters = map[string]*rate.Limiter{}
	}
	l, ok := is.limiters[member]
	if !ok {
		l = rate.NewLimiter(rate.Limit(is.Limits.PerSecond), max(is.Limits.Burst, MaxBatch))
		is.limiters[member] = l
	}
	return l
}

// Evaluation is the answer to a batch of blinded elements.
type Evaluation struct {
	Epoch     int
	Evaluated [][]byte
	Proof     []byte
	UsedToday int64
}

// Evaluate runs the platform's half of exID generation (DESIGN.md step 2)
// for an onboarded member: it evaluates blinded elements with the epoch's
// key and proves it did so with one batched DLEQ proof. The platform sees
// only blinded elements, which reveal nothing about the IDs; it counts them
// against the member's limits and logs the count, in one transaction with
// the meter. A request over a limit is refused whole and counts nothing.
//
// A request with a request ID is remembered for RequestMemory: repeated
// with the same ID and elements (a client retrying after a lost answer), it
// is evaluated again without being metered, charged or logged a second
// time.
func (is *Issuer) Evaluate(ctx context.Context, epoch int, blinded [][]byte, requestID string) (*Evaluation, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return nil, err
	}
	if len(blinded) == 0 || len(blinded) > MaxBatch {
		return nil, errs.Invalidf("blinded", fmt.Sprintf("每次请求须含 1 到 %d 个盲化元素", MaxBatch), fmt.Sprintf("a request carries 1 to %d blinded elements", MaxBatch))
	}
	if err := checkRequestID(requestID); err != nil {
		return nil, err
	}
	is.mu.RLock()
	if epoch == 0 {
		epoch = is.current
	}
	key := is.keys[epoch]
	is.mu.RUnlock()
	if key == nil {
		return nil, errs.Invalidf("epoch", "该纪元的密钥不存在或已停用", "no key in service for this epoch")
	}
	elems := make([]oprf.Element, len(blinded))
	for i, b := range blinded {
		if err := elems[i].UnmarshalBinary(b); err != nil {
			return nil, errs.Invalidf(fmt.Sprintf("blinded[%d]", i), "不是有效的 ristretto255 元素", "not a valid ristretto255 element")
		}
	}
	member := auth.ActorFrom(ctx).MemberID
	if !is.limiter(member).AllowN(is.P.DB.Now(), len(blinded)) {
		return nil, errs.New(errs.ResourceExhausted, "blinded", "exID 签发速率超限，请稍后重试", "exID issuance rate limit exceeded; retry shortly")
	}
	evaluated, proof, err := oprf.BlindEvaluateBatch(key, elems, rand.Reader)
	if err != nil {
		return nil, err
	}
	out := &Evaluation{Epoch: epoch, Evaluated: make([][]byte, len(evaluated))}
	for i, e := range evaluated {
		out.Evaluated[i], _ = e.MarshalBinary()
	}
	out.Proof, _ = proof.MarshalBinary()
	var refused error
	claim := store.IssuanceRequest{RequestID: requestID, BlindedSHA256: digestBlinded(blinded), Count: int64(len(blinded)), Epoch: epoch}
	prune := requestID != "" && is.claims.Add(1)%pruneEvery == 1
	err = is.P.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		refused = nil
		day := calendar.DateOf(tx.Now()).String()
		if requestID != "" {
			// A retry was metered, charged and logged when it was first
			// answered; the member's standing was checked then too.
			replay, err := tx.ClaimIssuanceRequest(ctx, member, claim)
			if err != nil || replay {
				if err == nil {
					out.UsedToday, err = tx.IssuanceUsage(ctx, member, day)
				}
				return err
			}
			if prune {
				if _, err := tx.PruneIssuanceRequests(ctx, tx.Now().Add(-RequestMemory), 1000); err != nil {
					return err
				}
			}
		}
		if _, err := platform.RequireTrading(ctx, tx); err != nil {
			return err
		}
		if is.PriceFen > 0 {
			// Issuance is charged to the prepaid quota (X-S3) before it is
			// metered. A quota that cannot cover it suspends the member's
			// exchange: that suspension commits, the issuance does not.
			_, _, err := tx.Deduct(ctx, store.Debit{Member: member, RequestID: auth.NewID("exid_"), AmountFen: is.PriceFen * int64(len(blinded)),
				Reason: "exID issuance", Object: "epoch:" + strconv.Itoa(epoch)})
			if errs.Is(err, errs.ResourceExhausted) {
				refused = err
				return nil
			}
			if err != nil {
				return err
			}
		}
		if out.UsedToday, err = tx.MeterIssuance(ctx, member, day, int64(len(blinded)), is.Limits.PerDay); err != nil {
			return err
		}
		_, err = tx.Append(ctx, member, KindExIDIssued, member, bizlog.P{"epoch": epoch, "count": len(blinded), "day": day})
		return err
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
