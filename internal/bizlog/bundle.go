package bizlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"hulian/internal/i18n"
)

// BundleFormat identifies version 1 of the export bundle.
const BundleFormat = "hulian-log-bundle/1"

// BundleHeader is the first line of a bundle. A bundle is a gzip stream of
// JSON lines: this header; then Checkpoints lines {"checkpoint": note}, the
// stored checkpoints of sizes From to To in increasing size; then To−From
// lines {"entry": Entry, "leaf_hash": base64} for entries From … To−1 in
// order. Left and Right let a verifier recompute the root of Anchor, a
// signed checkpoint of at least To entries, from the entries alone: Left is
// the compact range of leaves [0, From), Right that of [To, Anchor's size),
// each the hashes of its complete subtrees, largest first (base64 in JSON).
type BundleHeader struct {
	Format      string   `json:"format"`
	VerifierKey string   `json:"verifier_key"`
	From        int64    `json:"from"`
	To          int64    `json:"to"`
	Anchor      string   `json:"anchor"`
	Left        [][]byte `json:"left"`
	Right       [][]byte `json:"right"`
	Checkpoints int      `json:"checkpoints"`
}

type bundleLine struct {
	Checkpoint string `json:"checkpoint,omitempty"`
	Entry      *Entry `json:"entry,omitempty"`
	LeafHash   []byte `json:"leaf_hash,omitempty"`
}

// BundleWriter writes a bundle.
type BundleWriter struct {
	gz  *gzip.Writer
	enc *json.Encoder
}

// NewBundleWriter starts a bundle on w with its header.
func NewBundleWriter(w io.Writer, h BundleHeader) (*BundleWriter, error) {
	h.Format = BundleFormat
	gz := gzip.NewWriter(w)
	bw := &BundleWriter{gz: gz, enc: json.NewEncoder(gz)}
	return bw, bw.enc.Encode(h)
}

// Checkpoint writes a checkpoint line.
func (bw *BundleWriter) Checkpoint(note []byte) error {
	return bw.enc.Encode(bundleLine{Checkpoint: string(note)})
}

// Entry writes an entry line.
func (bw *BundleWriter) Entry(e *Entry, leafHash []byte) error {
	return bw.enc.Encode(bundleLine{Entry: e, LeafHash: leafHash})
}

// Close ends the gzip stream (not w).
func (bw *BundleWriter) Close() error { return bw.gz.Close() }

// maxBundleLine bounds one line: entries are small, checkpoints smaller.
const maxBundleLine = 1 << 20

// VerifyBundle checks a bundle streamed from r: every entry's leaf hash,
// every checkpoint in it, and that the entries with Left and Right give the
// root of the signed anchor checkpoint. vkey pins the verifier key; empty
// takes the key in the bundle's header, which proves only that the bundle
// is consistent with itself. Malformed bundles are errors; well-formed but
// untrue ones are reported in the Report.
func VerifyBundle(r io.Reader, vkey string) (*Report, *BundleHeader, error) {
	return VerifyBundleVisit(r, vkey, nil)
}

// VerifyBundleVisit is VerifyBundle that also hands each entry, once its
// leaf is checked, to visit (if not nil); an error from visit stops the
// reading and is returned.
func VerifyBundleVisit(r io.Reader, vkey string, visit func(*Entry) error) (*Report, *BundleHeader, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 64<<10), maxBundleLine)
	next := func(v any) error {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return err
			}
			return io.ErrUnexpectedEOF
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	var h BundleHeader
	if err := next(&h); err != nil {
		return nil, nil, fmt.Errorf("bundle header: %w", err)
	}
	if h.Format != BundleFormat {
		return nil, &h, fmt.Errorf("bundle: unknown format %q", h.Format)
	}
	if h.From < 0 || h.To < h.From || h.Checkpoints < 0 {
		return nil, &h, errors.New("bundle: bad range")
	}
	if vkey == "" {
		vkey = h.VerifierKey
	}
	v, err := NewVerifier(vkey, h.From, h.Left)
	if err != nil {
		return nil, &h, fmt.Errorf("bundle: left edge: %w", err)
	}
	rep := &v.Report
	anchor, err := OpenCheckpoint([]byte(h.Anchor), vkey)
	if err != nil {
		v.Fail(&Failure{Index: -1, Checkpoint: -1, Reason: i18n.T("锚定检查点签名无效："+err.Error(), "the anchor checkpoint's signature is invalid: "+err.Error())})
		return rep, &h, nil
	}
	if anchor.Size < h.To {
		return nil, &h, errors.New("bundle: the anchor checkpoint does not cover the entries")
	}
	checkpoints := make([][]byte, 0, h.Checkpoints)
	for i := 0; i < h.Checkpoints; i++ {
		var l bundleLine
		if err := next(&l); err != nil || l.Checkpoint == "" {
			return nil, &h, fmt.Errorf("bundle checkpoint line %d: %v", i+1, err)
		}
		checkpoints = append(checkpoints, []byte(l.Checkpoint))
	}
	checkDue := func() {
		for len(checkpoints) > 0 && rep.OK() {
			c, err := ParseCheckpoint(noteText(checkpoints[0]))
			if err != nil || c.Size > v.Size() {
				return
			}
			v.Checkpoint(checkpoints[0], c.Size, nil)
			checkpoints = checkpoints[1:]
		}
	}
	checkDue()
	for v.Size() < h.To && rep.OK() {
		var l bundleLine
		if err := next(&l); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				v.Fail(entryFailure(v.Size(), "导出包中缺少该记录", "missing from the bundle"))
				break
			}
			return nil, &h, fmt.Errorf("bundle entry %d: %w", v.Size(), err)
		}
		if l.Entry == nil {
			return nil, &h, fmt.Errorf("bundle entry %d: not an entry line", v.Size())
		}
		v.Entry(l.Entry, l.LeafHash, nil)
		if visit != nil && rep.OK() {
			if err := visit(l.Entry); err != nil {
				return nil, &h, err
			}
		}
		checkDue()
	}
	if !rep.OK() {
		return rep, &h, nil
	}
	if len(checkpoints) > 0 {
		v.Fail(&Failure{Index: -1, Checkpoint: -1, Reason: i18n.T("导出包中的检查点无法解析或超出记录范围", "a checkpoint in the bundle is unreadable or beyond its entries")})
		return rep, &h, nil
	}
	if sc.Scan() {
		return nil, &h, errors.New("bundle: data after the last entry")
	}
	root, err := v.tree.RootWith(anchor.Size, h.Right)
	if err != nil {
		return nil, &h, fmt.Errorf("bundle: right edge: %w", err)
	}
	if !bytes.Equal(root, anchor.Root) {
		v.Fail(&Failure{Index: v.intact, Checkpoint: anchor.Size, Reason: i18n.T(
			fmt.Sprintf("记录与大小为 %d 的已签名锚定检查点不符", anchor.Size),
			fmt.Sprintf("the entries do not match the signed anchor checkpoint of size %d", anchor.Size))})
		return rep, &h, nil
	}
	rep.Latest = anchor
	return rep, &h, nil
}

// noteText is the text of a signed note: everything before the blank line
// that starts the signatures.
func noteText(msg []byte) string {
	if i := bytes.Index(msg, []byte("\n\n")); i >= 0 {
		return string(msg[:i+1])
	}
	return string(msg)
}
