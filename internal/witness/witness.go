// Package witness is the regulator's own copy of the business log (X-G1):
// "hulian log witness" runs it on the regulator's machine. Each round it
// reads the platform's newest signed checkpoint, checks that it extends
// every checkpoint the witness verified before, copies the new entries
// into the witness's own database, recomputes the tree over its copy and
// requires the checkpoint's root, cosigns the checkpoint (C2SP
// tlog-cosignature, Ed25519) and publishes the cosignature to the
// platform. It also audits its copy against what the platform serves now,
// so that an entry changed, deleted or reordered in the platform's
// database after the witness copied it is found and named by its index.
//
// The witness imports nothing of the platform: it speaks the log's HTTP
// routes (/log/v1/) and the shared log format (package bizlog) only.
package witness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"hulian/internal/bizlog"
	"hulian/internal/i18n"
	"hulian/internal/sig"
)

// Alarm is a finding against the platform: its log was forked, rolled
// back or rewritten. Index is the first entry found to differ, or -1 when
// the finding is about a checkpoint as a whole.
type Alarm struct {
	Index  int64
	Reason i18n.Text
}

func (a *Alarm) Error() string { return a.Reason.EN }

func alarm(index int64, zh, en string) *Alarm {
	return &Alarm{Index: index, Reason: i18n.T(zh, en)}
}

// Witness follows one platform's log.
type Witness struct {
	Platform string // base URL
	Token    string // a regulator's API token of scope log (or all)
	Client   *http.Client
	Store    *Store
	// LogKey pins the platform's log verifier key on first use; empty to
	// pin the key the platform serves then.
	LogKey string
	// Signer cosigns checkpoints; Verifier is its cosignature verifier
	// key, published with each cosignature.
	Signer   note.Signer
	Verifier string
	// Page is how many entries a request asks for (the platform serves at
	// most 1000).
	Page int
}

// Result is what a round did.
type Result struct {
	Size       int64 // the checkpoint verified and cosigned
	Copied     int64 // entries copied this round
	Audited    int64 // copied entries compared again with the platform's
	Cosigned   []byte
	PublishErr error // the cosignature could not be published (retried next round)
}

// Round runs one round: verify and copy up to the platform's newest
// checkpoint, audit audit entries of the copy (all of them if audit < 0),
// cosign and publish. A finding against the platform is an *Alarm,
// recorded in the store; other errors (the network, the database) are
// worth a retry.
func (w *Witness) Round(ctx context.Context, audit int64) (*Result, error) {
	res, err := w.round(ctx, audit)
	var a *Alarm
	if errors.As(err, &a) {
		if rerr := w.Store.RecordAlarm(ctx, a); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		// Told to the platform too, for the regulator's console; a
		// platform rewriting its log may drop it, so it is best effort:
		// the witness's own record above is the one that counts.
		if w.Signer != nil && w.Token != "" {
			body, _ := json.Marshal(map[string]any{"verifier_key": w.Verifier, "first_index": a.Index, "reason": a.Reason.EN})
			w.do(ctx, http.MethodPost, "/log/v1/witness-alarm", nil, body)
		}
	}
	return res, err
}

func (w *Witness) round(ctx context.Context, audit int64) (*Result, error) {
	st, err := w.Store.State(ctx)
	if err != nil {
		return nil, err
	}
	if st == nil {
		key := w.LogKey
		if key == "" {
			b, err := w.get(ctx, "/log/v1/key", nil)
			if err != nil {
				return nil, err
			}
			key = strings.TrimSpace(string(b))
		}
		if _, err := sig.NewNoteVerifier(key); err != nil {
			return nil, fmt.Errorf("the log verifier key %q: %w", key, err)
		}
		st = &State{LogKey: key, VerifiedRoot: bizlog.Hasher.EmptyRoot()}
	} else if w.LogKey != "" && w.LogKey != st.LogKey {
		return nil, fmt.Errorf("the key given differs from the one this witness pinned (%s)", st.LogKey)
	}
	msg, err := w.get(ctx, "/log/v1/checkpoint", nil)
	if err != nil {
		return nil, err
	}
	cp, err := bizlog.OpenCheckpoint(msg, st.LogKey)
	if err != nil {
		return nil, alarm(-1, "平台最新检查点的签名无效："+err.Error(), "the platform's newest checkpoint does not verify: "+err.Error())
	}
	if cp.Size < st.VerifiedSize {
		return nil, alarm(cp.Size, fmt.Sprintf("平台最新检查点（大小 %d）小于已见证的（大小 %d）：日志被回滚", cp.Size, st.VerifiedSize),
			fmt.Sprintf("the platform's newest checkpoint (size %d) is smaller than the one witnessed (size %d): the log was rolled back", cp.Size, st.VerifiedSize))
	}
	if err := w.consistent(ctx, st, cp); err != nil {
		return nil, err
	}
	res := &Result{Size: cp.Size}
	if res.Copied, err = w.copyTo(ctx, st, cp); err != nil {
		return nil, err
	}
	if res.Audited, err = w.audit(ctx, st, audit); err != nil {
		return nil, err
	}
	cosigned, err := w.cosign(msg, st.LogKey)
	if err != nil {
		return nil, err
	}
	st.VerifiedSize, st.VerifiedRoot, st.Checkpoint = cp.Size, cp.Root, string(cosigned)
	if err := w.Store.SaveState(ctx, st); err != nil {
		return nil, err
	}
	res.Cosigned = cosigned
	if w.Signer != nil && w.Token != "" {
		res.PublishErr = w.publish(ctx, cosigned)
	}
	return res, nil
}

// consistent checks that cp extends the checkpoint verified before, with
// the platform's consistency proof: the platform cannot show one history
// to the witness and another to members.
func (w *Witness) consistent(ctx context.Context, st *State, cp *bizlog.Checkpoint) error {
	if st.VerifiedSize == 0 {
		return nil
	}
	if cp.Size == st.VerifiedSize {
		if !bytes.Equal(cp.Root, st.VerifiedRoot) {
			return alarm(-1, fmt.Sprintf("大小 %d 的检查点与已见证的根哈希不同：日志分叉", cp.Size),
				fmt.Sprintf("the checkpoint of size %d has another root than the one witnessed: the log forked", cp.Size))
		}
		return nil
	}
	b, err := w.get(ctx, "/log/v1/proof/consistency", url.Values{"from": {fmt.Sprint(st.VerifiedSize)}, "to": {fmt.Sprint(cp.Size)}})
	if err != nil {
		return err
	}
	var p struct{ Proof [][]byte }
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("malformed consistency proof: %w", err)
	}
	if err := proof.VerifyConsistency(bizlog.Hasher, uint64(st.VerifiedSize), uint64(cp.Size), p.Proof, st.VerifiedRoot, cp.Root); err != nil {
		return alarm(-1, fmt.Sprintf("大小 %d 与 %d 的检查点不一致：日志分叉或被改写", st.VerifiedSize, cp.Size),
			fmt.Sprintf("the checkpoints of sizes %d and %d are not consistent: the log forked or was rewritten", st.VerifiedSize, cp.Size))
	}
	return nil
}

func (w *Witness) page() int {
	if w.Page <= 0 || w.Page > 1000 {
		return 1000
	}
	return w.Page
}

// entries fetches the platform's entries from seq from, at most one page.
func (w *Witness) entries(ctx context.Context, from int64) ([]bizlog.Entry, error) {
	b, err := w.get(ctx, "/log/v1/entries", url.Values{"from": {fmt.Sprint(from)}, "limit": {fmt.Sprint(w.page())}})
	if err != nil {
		return nil, err
	}
	var es []bizlog.Entry
	if err := json.Unmarshal(b, &es); err != nil {
		return nil, fmt.Errorf("malformed entries from the platform: %w", err)
	}
	return es, nil
}

// copyTo copies entries st.Copied … cp.Size-1, a page a transaction, and
// requires the root of the whole copy to be cp's. Entries copied but not
// matching are dropped again, and the first one the platform's own tree
// does not include is named.
func (w *Witness) copyTo(ctx context.Context, st *State, cp *bizlog.Checkpoint) (int64, error) {
	rng, err := bizlog.Ranges.NewRange(0, uint64(st.Copied), st.Range)
	if err != nil {
		return 0, fmt.Errorf("the stored range: %w", err)
	}
	start := st.Copied
	for st.Copied < cp.Size {
		es, err := w.entries(ctx, st.Copied)
		if err != nil {
			return 0, err
		}
		var leaves [][]byte
		for _, e := range es {
			if e.Seq >= cp.Size {
				break
			}
			want := st.Copied + int64(len(leaves))
			if e.Seq != want {
				return 0, w.dropUnverified(ctx, st, alarm(want, fmt.Sprintf("平台未提供第 %d 条记录，而检查点（大小 %d）包含它", want, cp.Size),
					fmt.Sprintf("the platform does not serve entry %d, which its checkpoint of size %d covers", want, cp.Size)))
			}
			leaf := e.Leaf()
			if err := rng.Append(bizlog.LeafHash(leaf), nil); err != nil {
				return 0, err
			}
			leaves = append(leaves, leaf)
		}
		if len(leaves) == 0 {
			return 0, w.dropUnverified(ctx, st, alarm(st.Copied, fmt.Sprintf("平台未提供第 %d 条记录，而检查点（大小 %d）包含它", st.Copied, cp.Size),
				fmt.Sprintf("the platform does not serve entry %d, which its checkpoint of size %d covers", st.Copied, cp.Size)))
		}
		first := st.Copied
		st.Copied += int64(len(leaves))
		st.Range = rng.Hashes()
		if err := w.Store.Append(ctx, first, leaves, st); err != nil {
			return 0, err
		}
	}
	root := bizlog.Hasher.EmptyRoot()
	if cp.Size > 0 {
		if root, err = rng.GetRootHash(nil); err != nil {
			return 0, err
		}
	}
	if !bytes.Equal(root, cp.Root) {
		first, err := w.firstExcluded(ctx, st.VerifiedSize, cp)
		if err != nil {
			return 0, err
		}
		return 0, w.dropUnverified(ctx, st, alarm(first, fmt.Sprintf("平台提供的记录与其大小 %d 的检查点不符：第 %d 条记录不在其树中", cp.Size, first),
			fmt.Sprintf("the entries the platform serves do not match its checkpoint of size %d: entry %d is not in its tree", cp.Size, first)))
	}
	return st.Copied - start, nil
}

// firstExcluded finds the first copied entry from index from whose leaf
// the platform's inclusion proof for cp does not prove.
func (w *Witness) firstExcluded(ctx context.Context, from int64, cp *bizlog.Checkpoint) (int64, error) {
	for i := from; i < cp.Size; {
		leaves, err := w.Store.Leaves(ctx, i, w.page())
		if err != nil {
			return 0, err
		}
		for _, leaf := range leaves {
			b, err := w.get(ctx, "/log/v1/proof/inclusion", url.Values{"index": {fmt.Sprint(i)}, "size": {fmt.Sprint(cp.Size)}})
			if err != nil {
				return 0, err
			}
			var p struct{ Proof [][]byte }
			if json.Unmarshal(b, &p) != nil || proof.VerifyInclusion(bizlog.Hasher, uint64(i), uint64(cp.Size), bizlog.LeafHash(leaf), p.Proof, cp.Root) != nil {
				return i, nil
			}
			i++
		}
		if len(leaves) == 0 {
			break
		}
	}
	return from, nil
}

// dropUnverified forgets the entries copied since the newest verified
// checkpoint, so that the next round copies them again, and returns a.
func (w *Witness) dropUnverified(ctx context.Context, st *State, a *Alarm) error {
	rng, err := w.rangeTo(ctx, st.VerifiedSize)
	if err != nil {
		return errors.Join(a, err)
	}
	st.Copied, st.Range = st.VerifiedSize, rng.Hashes()
	return errors.Join(a, w.Store.Truncate(ctx, st.VerifiedSize, st))
}

// rangeTo recomputes the compact range over the first size copied leaves.
func (w *Witness) rangeTo(ctx context.Context, size int64) (*compact.Range, error) {
	rng := bizlog.Ranges.NewEmptyRange(0)
	for i := int64(0); i < size; {
		leaves, err := w.Store.Leaves(ctx, i, int(min(int64(10000), size-i)))
		if err != nil {
			return nil, err
		}
		if len(leaves) == 0 {
			return nil, fmt.Errorf("the copy ends at entry %d", i)
		}
		for _, l := range leaves {
			if err := rng.Append(bizlog.LeafHash(l), nil); err != nil {
				return nil, err
			}
		}
		i += int64(len(leaves))
	}
	return rng, nil
}

// audit compares n copied entries, from where the last audit stopped
// (all of them if n < 0), with what the platform serves now.
func (w *Witness) audit(ctx context.Context, st *State, n int64) (int64, error) {
	if st.Copied == 0 || n == 0 {
		return 0, nil
	}
	from := st.Audited
	if n < 0 || n >= st.Copied {
		from, n = 0, st.Copied
	}
	if from >= st.Copied {
		from = 0
	}
	done := int64(0)
	for done < n {
		i := (from + done) % st.Copied
		mine, err := w.Store.Leaves(ctx, i, int(min(int64(w.page()), n-done, st.Copied-i)))
		if err != nil {
			return 0, err
		}
		if len(mine) == 0 {
			return 0, fmt.Errorf("the witness's copy lacks entry %d", i)
		}
		theirs, err := w.entries(ctx, i)
		if err != nil {
			return 0, err
		}
		// A shorter page than asked, contiguous, is compared as far as it
		// goes; the rest waits for the next request.
		if n := len(theirs); n > 0 && n < len(mine) && theirs[n-1].Seq == i+int64(n-1) {
			mine = mine[:n]
		}
		for k, leaf := range mine {
			seq := i + int64(k)
			if k >= len(theirs) || theirs[k].Seq != seq {
				return 0, alarm(seq, fmt.Sprintf("平台已不再提供第 %d 条记录（见证者已复制）：记录被删除或重排", seq),
					fmt.Sprintf("the platform no longer serves entry %d, which the witness copied: entries were deleted or reordered", seq))
			}
			if !bytes.Equal(theirs[k].Leaf(), leaf) {
				return 0, alarm(seq, fmt.Sprintf("平台现提供的第 %d 条记录与见证者的副本不同：记录被改写", seq),
					fmt.Sprintf("entry %d as the platform serves it now differs from the witness's copy: the entry was rewritten", seq))
			}
		}
		done += int64(len(mine))
	}
	st.Audited = (from + done) % st.Copied
	return done, nil
}

// cosign adds the witness's cosignature to the platform's checkpoint note.
func (w *Witness) cosign(msg []byte, logKey string) ([]byte, error) {
	if w.Signer == nil {
		return msg, nil
	}
	v, err := sig.NewNoteVerifier(logKey)
	if err != nil {
		return nil, err
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, err
	}
	// Only the platform's own signature is carried over: the witness
	// vouches for nothing else.
	n.UnverifiedSigs = nil
	return note.Sign(n, w.Signer)
}

func (w *Witness) publish(ctx context.Context, cosigned []byte) error {
	body, err := json.Marshal(map[string]string{"verifier_key": w.Verifier, "checkpoint": string(cosigned)})
	if err != nil {
		return err
	}
	_, err = w.do(ctx, http.MethodPost, "/log/v1/cosignature", nil, body)
	return err
}

func (w *Witness) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	return w.do(ctx, http.MethodGet, path, q, nil)
}

// maxResponse bounds what the witness reads of one answer: a page of a
// thousand entries is well below it.
const maxResponse = 64 << 20

func (w *Witness) do(ctx context.Context, method, path string, q url.Values, body []byte) ([]byte, error) {
	u := strings.TrimRight(w.Platform, "/") + path
	if q != nil {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if w.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.Token)
	}
	req.Header.Set("Accept-Language", "en")
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the platform: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: the platform answered %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// Key is a witness's signing key, kept in a file of the witness's folder.
type Key struct {
	Signer   note.Signer
	Verifier string // cosignature/v1 verifier key, for the platform
}

// LoadKey reads the witness's signing key from path — the signer key and
// its verifier key, a line each — making one named name (0600) on first
// use.
func LoadKey(path, name string) (*Key, bool, error) {
	made := false
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		skey, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return nil, false, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, false, err
		}
		b = []byte(skey + "\n" + vkey + "\n")
		_, werr := f.Write(b)
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, false, err
		}
		made = true
	} else if err != nil {
		return nil, false, err
	}
	bad := func(err error) (*Key, bool, error) {
		return nil, false, fmt.Errorf("%s: not a witness key file (signer key and verifier key, a line each): %w", path, err)
	}
	skey, vkey, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		return bad(err)
	}
	cosigKey, err := fnote.VKeyToCosignatureV1(strings.TrimSpace(vkey))
	if err != nil {
		return bad(err)
	}
	// The two lines must be one key: sign a probe and open it.
	v, err := fnote.NewVerifierForCosignatureV1(cosigKey)
	if err != nil {
		return bad(err)
	}
	probe, err := note.Sign(&note.Note{Text: bizlog.Checkpoint{Origin: "probe", Root: bizlog.Hasher.EmptyRoot()}.Body()}, s)
	if err == nil {
		_, err = note.Open(probe, note.VerifierList(v))
	}
	if err != nil {
		return bad(errors.New("the verifier key is not the signer key's"))
	}
	return &Key{Signer: s, Verifier: cosigKey}, made, nil
}
